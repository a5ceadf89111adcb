""""Tout annuler": every edit of an account, a pseudonym or an address in a period reverted in one
action through the real forms, then undone; contribution pages; editors kept out.

Real app, real database; each person is a browser of their own (its own session, its own address).
"""
import re
from datetime import timedelta

import pytest

from conftest import PEOPLE_PASSWORD, set_rule, ROBOT_PASSWORD, csrf_token, sign_in
from tests_helpers import form_state, get, make_page, territory
from wiki.accounts.models import AuditEntry
from wiki.db import utcnow
from wiki.models import Entry, Page, Revision
from wiki.moderation.models import RevertBatch, RevertItem

PASSWORD = PEOPLE_PASSWORD


@pytest.fixture
def instance_dir(tmp_path):
    return territory(tmp_path)




def anonymous(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.set_cookie("lang", "en")
    return client




def text(name):
    page = Page.get(Page.name == name)
    return Revision.get_by_id(page.revision).source


def save(client, name, source, author=""):
    """Edit through the form from the current revision (as a person would)."""
    html = get(client, f"/wiki/{name}/edit")
    base = re.search(r'name="base_revision" value="([^"]*)"', html).group(1)
    r = client.post(f"/wiki/{name}/edit", data={"csrf_token": csrf_token(client), "source": source,
                                                "base_revision": base, "author": author})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def age(name, **delta):
    """Move every revision of a page back in time (edits made days ago)."""
    page = Page.get(Page.name == name)
    Revision.update(created=utcnow() - timedelta(**delta)).where(Revision.page == page).execute()


def confirm(client, **args):
    """The confirmation page, then its form posted: the result page's HTML."""
    query = "&".join(f"{k}={v}" for k, v in args.items())
    html = get(client, f"/admin/annuler?{query}")
    state = form_state(html.split('action="/admin/annuler"', 1)[1])
    r = client.post("/admin/annuler", data={k: v[0] for k, v in state.items()})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    return get(client, r.headers["Location"]), html


def undo(client, batch_id):
    r = client.post("/admin/annuler", data={"csrf_token": csrf_token(client, "/admin/annuler"),
                                            "kind": "batch", "value": str(batch_id)})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    return get(client, r.headers["Location"])


def test_revert_all_of_an_account_then_undo_it(app, admin, people):
    make_page(admin, "jardin", "# Jardin\n\nLes légumes du jardin partagé.\n")
    make_page(admin, "verger", "# Verger\n\nLes pommiers.\n")
    vandal = people("vandale")
    save(vandal, "jardin", "# Jardin\n\nACHETEZ MES PILULES\n")
    save(vandal, "jardin", "# Jardin\n\nACHETEZ MES PILULES http://spam.example\n")
    save(vandal, "verger", "# Verger\n\nRIEN\n")
    make_page(vandal, "pilules", "# Pilules\n\nspam\n")
    html = get(admin, "/contributions/vandale")
    assert "Jardin" in html and "Pilules" in html and "/admin/annuler?kind=account&amp;value=vandale" in html
    result, confirmation = confirm(admin, kind="account", value="vandale", window="24h")
    assert "4 edits found" in confirmation and "3 pages to revert" in confirmation
    assert text("jardin") == "# Jardin\n\nLes légumes du jardin partagé.\n"
    assert text("verger") == "# Verger\n\nLes pommiers.\n"
    assert Page.get(Page.name == "pilules").deleted is not None
    assert get(admin, "/wiki/pilules", 404)
    batch = RevertBatch.get()
    assert batch.kind == "account" and batch.actor == "robot"
    assert {i.action for i in RevertItem.select()} == {"restore", "trash"}
    assert AuditEntry.select().where(AuditEntry.action == "revert.all").count() == 1
    assert "Jardin" in result and "Undo this revert" in result
    # the revert itself is undone: the vandal's texts come back exactly, their page too
    undone = undo(admin, batch.id)
    assert "Undo of revert" in undone
    assert text("jardin") == "# Jardin\n\nACHETEZ MES PILULES http://spam.example\n"
    assert text("verger") == "# Verger\n\nRIEN\n"
    assert Page.get(Page.name == "pilules").deleted is None
    assert AuditEntry.select().where(AuditEntry.action == "revert.undo").count() == 1
    # undone once only; the list says so
    r = admin.post("/admin/annuler", data={"csrf_token": csrf_token(admin, "/admin/annuler"),
                                           "kind": "batch", "value": str(batch.id)})
    assert r.status_code == 400 and "undone already" in r.get_data(as_text=True)
    assert "undone" in get(admin, "/admin/annuler")


def test_revert_all_of_a_pseudonym(app, admin):
    make_page(admin, "fete", "# Fête\n\nLe programme.\n")
    make_page(admin, "marche", "# Marché\n\nLe jeudi.\n")
    troll, kind = anonymous(app, "10.0.0.7"), anonymous(app, "10.0.0.8")
    save(troll, "fete", "# Fête\n\nNUL\n", author="Troll")
    save(kind, "marche", "# Marché\n\nLe jeudi matin.\n", author="Gentille")
    html = get(admin, "/contributions/pseudonyme/Troll")
    assert "Fête" in html and "Marché" not in html
    confirm(admin, kind="pseudonym", value="Troll", window="1h")
    assert text("fete") == "# Fête\n\nLe programme.\n"
    assert text("marche") == "# Marché\n\nLe jeudi matin.\n"


def test_revert_all_of_an_address_hash(app, admin):
    make_page(admin, "ecole", "# École\n\nLes horaires.\n")
    make_page(admin, "mairie", "# Mairie\n\nOuverte le lundi.\n")
    one, two = anonymous(app, "192.0.2.1"), anonymous(app, "192.0.2.2")
    save(one, "ecole", "# École\n\nXXX\n")
    save(two, "mairie", "# Mairie\n\nOuverte le lundi et le mardi.\n")
    first = Revision.select().join(Page).where(Page.name == "ecole").order_by(Revision.number.desc()).get()
    second = Revision.select().join(Page).where(Page.name == "mairie").order_by(Revision.number.desc()).get()
    assert first.address_hash and second.address_hash and first.address_hash != second.address_hash
    assert "192.0.2" not in first.address_hash
    prefix = first.address_hash[:12]
    html = get(admin, f"/contributions/adresse/{prefix}")
    assert "École" in html and "Mairie" not in html
    confirm(admin, kind="address", value=prefix, window="7d")
    assert text("ecole") == "# École\n\nLes horaires.\n"
    assert text("mairie") == "# Mairie\n\nOuverte le lundi et le mardi.\n"


def test_window_boundaries(app, admin, people):
    make_page(admin, "ancien", "# Ancien\n\nA.\n")
    make_page(admin, "recent", "# Récent\n\nR.\n")
    vandal = people("vandale")
    save(vandal, "ancien", "# Ancien\n\nvandalisé il y a 3 jours\n")
    age("ancien", days=3)
    save(vandal, "recent", "# Récent\n\nvandalisé à l'instant\n")
    confirm(admin, kind="account", value="vandale", window="24h")
    assert text("ancien") == "# Ancien\n\nvandalisé il y a 3 jours\n"      # outside the window
    assert text("recent") == "# Récent\n\nR.\n"
    # a custom period (Paris time) around three days ago reaches it, and only it
    start = utcnow() - timedelta(days=4)
    end = utcnow() - timedelta(days=2)
    paris = lambda moment: (moment + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")   # either offset fits
    result, html = confirm(admin, kind="account", value="vandale", window="custom",
                           **{"from": paris(start), "to": paris(end)})
    assert "1 page to revert" in html and "Récent" not in html
    assert text("ancien") == "# Ancien\n\nA.\n"


def test_later_edits_of_others_are_kept_or_the_page_is_reported(app, admin, people):
    lines = "# Charte\n\nun\ndeux\ntrois\nquatre\ncinq\nsix\n"
    make_page(admin, "charte", lines)
    make_page(admin, "statuts", "# Statuts\n\nArticle 1.\n")
    vandal, alice = people("vandale"), people("alice")
    save(vandal, "charte", lines.replace("un\n", "SPAM\n"))
    save(vandal, "statuts", "# Statuts\n\nSPAM.\n")
    save(alice, "charte", lines.replace("un\n", "SPAM\n").replace("six\n", "six et demi\n"))
    save(alice, "statuts", "# Statuts\n\nSPAM corrigé par Alice.\n")
    result, html = confirm(admin, kind="account", value="vandale", window="1h")
    assert text("charte") == lines.replace("six\n", "six et demi\n")       # a clean three-way revert
    assert text("statuts") == "# Statuts\n\nSPAM corrigé par Alice.\n"      # left alone...
    skipped = result.split("Skipped", 1)[1]
    assert "Statuts" in skipped and "Charte" not in skipped                  # ...and reported
    assert RevertItem.get(RevertItem.action == "skip").page == Page.get(Page.name == "statuts").id


def test_a_page_they_created_then_others_changed_is_reported_not_trashed(app, admin, people):
    vandal, alice = people("vandale"), people("alice")
    make_page(vandal, "nouvelle", "# Nouvelle\n\nTexte.\n")
    save(alice, "nouvelle", "# Nouvelle\n\nTexte complété.\n")
    html = get(admin, "/admin/annuler?kind=account&value=vandale&window=1h")
    assert "Nouvelle" in html.split("Left for you to check", 1)[1] and "Nothing to revert." in html
    assert Page.get(Page.name == "nouvelle").deleted is None


def test_fiche_revert_restores_its_query_columns(app, admin, people, add):
    name = add("initiatives", titre="Vélo-école", commune="Redon")
    vandal = people("vandale")
    state = form_state(get(vandal, f"/wiki/{name}/edit"))
    state["f-titre"], state["f-commune"] = ["Casino en ligne"], ["Allaire"]
    r = vandal.post(f"/wiki/{name}/edit", data=state)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert Entry.get_by_id(Page.get(Page.name == name).id).title == "Casino en ligne"
    confirm(admin, kind="account", value="vandale", window="1h")
    entry = Entry.get_by_id(Page.get(Page.name == name).id)
    assert entry.title == "Vélo-école" and '"Redon"' in entry.data
    listing = get(admin, "/fiches/initiatives")
    assert "Vélo-école" in listing and "Casino" not in listing
    undo(admin, RevertBatch.get().id)
    assert Entry.get_by_id(Page.get(Page.name == name).id).title == "Casino en ligne"


def test_a_locked_page_the_moderator_may_not_change_is_reported(app, admin, people):
    make_page(admin, "accueil-bis", "# Accueil\n\nBienvenue.\n")
    vandal = people("vandale")
    save(vandal, "accueil-bis", "# Accueil\n\nSPAM\n")
    set_rule(app, "page:accueil-bis", read="all", edit="admins")
    moderator = people("modo", role="moderator")
    result, _html = confirm(moderator, kind="account", value="vandale", window="1h")
    assert text("accueil-bis") == "# Accueil\n\nSPAM\n"
    assert "locked" in result.split("Skipped", 1)[1]


def test_editors_and_visitors_may_not_revert(app, admin, people):
    editor = people("alice")
    assert editor.get("/admin/annuler").status_code == 403
    assert editor.get("/admin/annuler?kind=account&value=robot&window=24h").status_code == 403
    r = editor.post("/admin/annuler", data={"csrf_token": csrf_token(editor), "kind": "account",
                                            "value": "robot", "window": "24h"})
    assert r.status_code == 403 and RevertBatch.select().count() == 0
    assert editor.get("/contributions/pseudonyme/Troll").status_code == 403
    assert editor.get("/contributions/adresse/abcdef12").status_code == 403
    assert app.test_client().get("/admin/annuler").status_code == 302          # to the sign-in page
    assert "/admin/annuler" not in get(editor, "/contributions/robot")


def test_bad_targets_and_periods_are_refused_with_a_message(admin):
    for query in ("kind=account&value=personne&window=24h", "kind=address&value=zz&window=24h",
                  "kind=batch&value=999", "kind=account&value=robot&window=custom&from=hier",
                  "kind=account&value=robot&start=2026-01-02&end=2026-01-01", "kind=martien&value=x&window=1h",
                  "kind=batch&value=99999999999999999999", "kind=account&value=%00&window=1h",
                  "kind=pseudonym&value=%00&window=1h", "kind=address&value=ab%00cd&window=1h"):
        r = admin.get(f"/admin/annuler?{query}")
        assert r.status_code == 400, query
        assert 'class="flash error"' in r.get_data(as_text=True)
    assert admin.get("/admin/annuler/99999999999999").status_code == 404
    assert admin.get("/contributions/personne").status_code == 404
    assert admin.get("/contributions/adresse/zz").status_code == 404
    assert admin.get("/contributions/a%00b").status_code == 404
    assert admin.get("/contributions/pseudonyme/a%00b").status_code == 200
    assert admin.get("/contributions/pseudonyme/" + "é" * 500).status_code == 200


def test_contributions_list_only_readable_pages(app, admin, people):
    alice = people("alice")
    make_page(alice, "public", "# Public\n\nTexte.\n")
    make_page(alice, "bureau", "# Bureau\n\nSecret.\n")
    set_rule(app, "page:bureau", read="admins", edit="admins")
    html = get(app.test_client(), "/contributions/alice")
    assert "Public" in html and "Bureau" not in html
    assert "Bureau" in get(admin, "/contributions/alice")
    assert 'href="/wiki/public/diff?to=' in html


def test_contributions_are_paged(app, admin, people):
    alice = people("alice")
    make_page(alice, "carnet", "# Carnet\n\n0\n")
    page = Page.get(Page.name == "carnet")
    first = Revision.get(Revision.page == page)
    for n in range(2, 56):            # 54 more edits of hers, as the content layer writes them
        Revision.create(page=page, number=n, source=f"# Carnet\n\n{n}\n", title="Carnet", author="alice",
                        created=utcnow(), action="edit", size=10, account=first.account)
    one, two = get(admin, "/contributions/alice"), get(admin, "/contributions/alice?page=2")
    assert one.count("<li>") == 50 and "?page=2" in one
    assert two.count("<li>") == 5 and "?page=3" not in two and "?page=1" in two
