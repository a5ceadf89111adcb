"""Keeping spam out without excluding people: honeypot, link cap, blocklist, rate limits.

The real app and database, edits made through the real forms (and the API); settings in the
instance's [antispam] table, as an admin writes them.
"""
import re

import pytest

from antispam_helpers import PASSWORD, edit, form_of, make_account, textarea, write_settings
from conftest import csrf_token, robot_token, sign_in
from wiki import create_app
from wiki.antispam import textscan
from wiki.antispam.ratelimit import SlidingWindow
from wiki.instance import InstanceError
from wiki.models import Page, Revision


@pytest.fixture
def antispam():
    return {}


@pytest.fixture
def instance_dir(instance_dir, antispam):
    write_settings(instance_dir, antispam)
    return instance_dir


def revisions(app, name):
    with app.app_context():
        page = Page.get_or_none(Page.name == name)
        return [] if page is None else [r.source for r in Revision.select().where(Revision.page == page)
                                        .order_by(Revision.number)]


def signed_in(app, client, username, role="editor"):
    make_account(app, username, role)
    r = sign_in(client, username, PASSWORD)
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return client


# -- honeypot ----------------------------------------------------------------------------------
def test_the_honeypot_is_in_the_forms_hidden_by_css_not_inline(en, app):
    html = en.get("/wiki/essai/edit").get_data(as_text=True)
    field = re.search(r'<div class="hp-field"[^>]*>.*?</div>', html, re.S).group(0)
    assert 'name="site_web"' in field and 'autocomplete="off"' in field and 'tabindex="-1"' in field
    assert "Leave this field empty" in field and "style=" not in field
    css = en.get("/static/bocage.css").get_data(as_text=True)
    assert re.search(r"\.hp-field\s*\{[^}]*left:\s*-10000px", css)
    fiche = en.get("/fiches/initiatives/new").get_data(as_text=True)
    assert 'name="site_web"' in fiche and 'class="hp-field"' in fiche


def test_a_filled_honeypot_refuses_the_edit_and_keeps_the_text(en, app):
    r = edit(en, "essai", "# Essai\n\nMon texte précieux.", site_web="http://robot.example")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "This could not be saved" in html
    assert "Mon texte précieux." in textarea(html)
    assert 'value="http://robot.example"' not in html        # shown empty again: a human can save
    assert revisions(app, "essai") == []
    r = edit(en, "essai", "# Essai\n\nMon texte précieux.", site_web="")
    assert r.status_code == 302 and revisions(app, "essai") == ["# Essai\n\nMon texte précieux."]


def test_a_filled_honeypot_refuses_a_new_fiche_with_the_values_kept(en, app):
    token = csrf_token(en, "/fiches/initiatives/new")
    r = en.post("/fiches/initiatives/new", data={"csrf_token": token, "f-titre": "Ressourcerie du bourg",
                                                 "site_web": "x"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "This could not be saved" in html and "Ressourcerie du bourg" in html
    with app.app_context():
        assert not Page.select().where(Page.kind == "initiatives").exists()


# -- links in anonymous edits ------------------------------------------------------------------
LINKS = ["[un](https://un.example/a)", "https://deux.example/b", "<https://trois.example>",
         "www.quatre.example/x", "[[https://cinq.example|cinq]]"]


def test_counting_links_markdown_bare_autolinks_and_www():
    text = "\n".join(LINKS) + "\nhttps://un.example/a"
    assert sum(textscan.links(text).values()) == 6
    assert textscan.added_links(text, text + "\n[x](//six.example/p)") == 1
    assert textscan.added_links("https://a.example", "https://a.example et rien d'autre") == 0
    assert textscan.added_links("", "mail@exemple.fr, le fichier notes.txt, 3.14") == 0


@pytest.mark.parametrize("antispam", [{"max_links_anonymous": 3}])
def test_an_anonymous_edit_adding_too_many_links_is_refused_with_its_text(en, app):
    source = "# Liens\n\n" + "\n".join(LINKS[:4])
    r = edit(en, "liens", source)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "at most 3 links" in html and "this one adds 4" in html
    assert textarea(html) == source and revisions(app, "liens") == []
    r = edit(en, "liens", "# Liens\n\n" + "\n".join(LINKS[:3]))
    assert r.status_code == 302
    # compared with the text it starts from: three more on top of three is fine
    r = edit(en, "liens", "# Liens\n\n" + "\n".join(LINKS[:3]) + "\nhttps://a.example https://b.example https://c.example")
    assert r.status_code == 302


@pytest.mark.parametrize("antispam", [{"max_links_anonymous": 1}])
def test_signed_in_people_are_not_capped(en, app):
    signed_in(app, en, "camille")
    r = edit(en, "liens", "# Liens\n\n" + "\n".join(LINKS))
    assert r.status_code == 302 and len(revisions(app, "liens")) == 1


# -- the blocklist -----------------------------------------------------------------------------
BLOCKING = {"blocklist_words": ["viagra", "Crédit rapide"], "blocklist_domains": ["spam.example"],
            "max_links_anonymous": -1}


@pytest.mark.parametrize("antispam", [BLOCKING])
@pytest.mark.parametrize("text", ["Achetez du VIAGRA", "du viâgra ici", "un credit   RAPIDE", "CRÉDIT rapide !",
                                  "[ici](https://spam.example/promo)", "voir https://www.spam.example",
                                  "https://shop.SPAM.example/x", "écrivez à spam.example", "[[https://spam.example|lien]]"])
def test_blocked_words_and_domains_are_refused_whatever_case_accents_or_link_form(en, app, text):
    r = edit(en, "essai", f"# Essai\n\n{text}\n")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "which is not accepted on this wiki" in html
    assert textarea(html) == f"# Essai\n\n{text}\n" and revisions(app, "essai") == []


@pytest.mark.parametrize("antispam", [BLOCKING])
@pytest.mark.parametrize("text", ["viagras et crédits", "https://notspam.example/", "https://spam.example.org/",
                                  "un crédit, rapidement"])
def test_words_match_whole_words_and_domains_their_subdomains_only(en, app, text):
    assert edit(en, "essai", f"# Essai\n\n{text}\n").status_code == 302


@pytest.mark.parametrize("antispam", [BLOCKING])
def test_a_text_that_already_has_a_blocked_word_can_still_be_corrected(en, app):
    from wiki.content import pages
    with app.app_context():     # written outside requests (the CLI, an import): not checked
        pages.save_page("spam", "# Le spam\n\nLes messages « viagra » sont du spam.", author="import")
    r = edit(en, "spam", "# Le spam\n\nLes messages « viagra » sont du spam, hélas.")
    assert r.status_code == 302
    r = edit(en, "spam", "# Le spam\n\nviagra viagra")       # one more is one more
    assert r.status_code == 400


@pytest.mark.parametrize("antispam", [BLOCKING])
def test_editors_are_checked_admins_are_not(en, app, admin):
    r = edit(admin, "essai", "# Essai\n\nLe viagra en débat.")
    assert r.status_code == 302
    other = app.test_client()
    signed_in(app, other, "dominique")
    assert edit(other, "autre", "# Autre\n\nLe viagra, encore.").status_code == 400


def test_admins_edit_the_blocklist_file_and_it_applies_at_once(admin, app, instance_dir):
    r = admin.get("/admin/antispam")
    assert r.status_code == 200 and "Blocklist" in r.get_data(as_text=True)
    assert "/admin/antispam" in admin.get("/admin").get_data(as_text=True)
    r = admin.post("/admin/antispam", data={"csrf_token": csrf_token(admin, "/admin/antispam"),
                                            "blocklist": "# our list\r\nCasino\r\npromo.example\x00\r\n"})
    assert r.status_code == 302
    assert (instance_dir / "data" / "blocklist.txt").read_text(encoding="utf-8") == "# our list\nCasino\npromo.example\n"
    assert "Casino" in admin.get("/admin/antispam").get_data(as_text=True)
    visitor = app.test_client()
    assert edit(visitor, "essai", "# Essai\n\nle casino").status_code == 400
    assert edit(visitor, "essai", "# Essai\n\nhttps://m.promo.example").status_code == 400
    assert edit(visitor, "essai", "# Essai\n\nrien à voir").status_code == 302
    from wiki.accounts.models import AuditEntry
    with app.app_context():
        assert AuditEntry.select().where(AuditEntry.action == "antispam.blocklist").count() == 1


def test_only_admins_see_or_change_the_blocklist(app, en, instance_dir):
    assert en.get("/admin/antispam").status_code == 302
    r = en.post("/admin/antispam", data={"csrf_token": csrf_token(en), "blocklist": "x"})
    assert r.status_code == 302 and not (instance_dir / "data" / "blocklist.txt").exists()
    signed_in(app, en, "moderatrice", role="moderator")
    assert en.get("/admin/antispam").status_code == 403
    r = en.post("/admin/antispam", data={"csrf_token": csrf_token(en), "blocklist": "x"})
    assert r.status_code == 403 and not (instance_dir / "data" / "blocklist.txt").exists()


# -- rate limits -------------------------------------------------------------------------------
def test_the_sliding_window_forgets_after_a_minute():
    now = [100.0]
    window = SlidingWindow(clock=lambda: now[0])
    assert window.allow("a", 2) and window.allow("a", 2) and not window.allow("a", 2)
    assert window.allow("b", 2)                    # another key
    assert window.wait("a") == 60
    now[0] += 59.9
    assert not window.allow("a", 2)
    now[0] += 0.2
    assert window.allow("a", 2) and window.allow("a", 2) and not window.allow("a", 2)
    assert window.allow("c", 0) and window.allow("c", 0)      # 0: no limit


@pytest.mark.parametrize("antispam", [{"edits_per_minute_address": 2}])
def test_edits_per_minute_per_address_answer_429_with_the_text_kept(en, app):
    for n in range(2):
        assert edit(en, "essai", f"# Essai\n\nversion {n}", addr="10.0.0.7").status_code == 302
    r = edit(en, "essai", "# Essai\n\nversion trop rapide", addr="10.0.0.7")
    html = r.get_data(as_text=True)
    assert r.status_code == 429 and "You are saving changes very fast: wait" in html
    assert textarea(html) == "# Essai\n\nversion trop rapide"
    assert len(revisions(app, "essai")) == 2
    assert edit(en, "essai", "# Essai\n\nune autre adresse", addr="10.0.0.8").status_code == 302


@pytest.mark.parametrize("antispam", [{"edits_per_minute_account": 2, "edits_per_minute_address": 1}])
def test_edits_per_minute_per_account_and_the_api_too(en, app, client):
    signed_in(app, en, "camille")
    for n in range(2):       # the account's limit, not the address's
        assert edit(en, "essai", f"# Essai\n\nversion {n}").status_code == 302
    r = edit(en, "essai", "# Essai\n\nencore")
    assert r.status_code == 429 and textarea(r.get_data(as_text=True)) == "# Essai\n\nencore"
    with app.app_context():
        token = robot_token("outil", role="editor", username="outil")
    headers = {"Authorization": f"Bearer {token}"}
    base = None
    for n in range(2):
        r = client.put("/api/pages/outil", json={"source": f"v{n}", "base_revision": base}, headers=headers)
        assert r.status_code in (200, 201)
        base = r.get_json()["revision"]
    r = client.put("/api/pages/outil", json={"source": "v3", "base_revision": base}, headers=headers)
    assert r.status_code == 429 and "very fast" in r.get_json()["error"]


@pytest.mark.parametrize("antispam", [{"edits_per_minute_address": 1, "edits_per_minute_account": 1}])
def test_admins_are_not_rate_limited(admin, app):
    for n in range(4):
        assert edit(admin, "essai", f"# Essai\n\nversion {n}").status_code == 302


# -- settings ----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [{"max_links_anonymous": "trois"}, {"hold_first_edits": -2},
                                 {"blocklist_words": "casino"}, {"hold_anonymous": "yes"},
                                 {"edits_per_minute_address": True}])
def test_unusable_settings_are_refused_at_start_with_the_key_named(tmp_path, bad):
    from wiki.instance import init_instance
    path = tmp_path / "t"
    init_instance(path, "T", "t.test")
    write_settings(path, bad)
    with pytest.raises(InstanceError, match=r"\[antispam\] " + next(iter(bad))):
        create_app(path, config={"TESTING": True})
