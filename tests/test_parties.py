"""Wiki parties: opening one (admins and moderators only), joining with its code, contributing
without an account while it runs, the live board, the QR code, closing by itself with its tally."""
import re
import threading
from datetime import timedelta

import pytest
import segno
from conftest import ROBOT_PASSWORD, csrf_token, sign_in
from tests_helpers import form_state, get

from wiki import rights
from wiki.accounts.models import AccessRule, AuditEntry
from wiki.accounts.service import create_account
from wiki.db import database, utcnow
from wiki.models import Page, Revision
from wiki.parties import service, tally
from wiki.parties.models import WikiParty

HOSTILE = {
    "html": '<script>alert(1)</script><img src=x onerror=alert(2)>"\'',
    "rtl": "Fête\u202eeviL\u202c du wiki",
    "nul": "Fê\x00te du\x00 wiki",
    "long": "x" * 10_000,
}


# -- helpers ---------------------------------------------------------------------------------
def local(utc):
    return service.local_input(utc)


def make_party(app, *, starts=-1, ends=2, name="Fête du wiki de Redon", place="Mairie de Redon"):
    """A party from `starts` to `ends` hours from now; (id, code)."""
    now = utcnow()
    with app.app_context():
        party = service.open_party({"name": name, "place": place, "starts": now + timedelta(hours=starts),
                                    "ends": now + timedelta(hours=ends)})
        return party.id, party.code


def end_party(app, party_id):
    """The party's end passes (as time would)."""
    with app.app_context():
        WikiParty.update(ends=utcnow() - timedelta(seconds=1)).where(WikiParty.id == party_id).execute()
        service.forget()


def person(app, username, role):
    with app.app_context():
        create_account(username, ROBOT_PASSWORD, role=role)


def signed_in_only(app):
    """The instance's edit rule is "signed_in": visitors may read, only accounts (and participants) edit."""
    with app.test_request_context():
        AccessRule.create(target="instance", read="all", edit="signed_in", updated=utcnow())
        rights.rules_changed()


def join(client, code, pseudonym="Anouk"):
    return client.post(f"/fete/{code}", data={"csrf_token": csrf_token(client, "/connexion"),
                                             "pseudonym": pseudonym})


def edit(client, name, text):
    """Save page `name` through the edit form, as a browser would send it back.

    When the form is refused (a 403 page, no form), post anyway with a valid CSRF token: the
    save itself must be refused too."""
    state = form_state(client.get(f"/wiki/{name}/edit").get_data(as_text=True))
    data = {key: values[0] for key, values in state.items()}
    data.setdefault("csrf_token", csrf_token(client, "/connexion"))
    data.update(source=text, action="save")
    return client.post(f"/wiki/{name}/edit", data=data)


def party_form(client, path="/admin/fetes/nouvelle", **values):
    data = {"csrf_token": csrf_token(client, "/admin/fetes/nouvelle"), **values}
    return client.post(path, data=data)


def good_values(start_hours=0, hours=3):
    starts = utcnow() + timedelta(hours=start_hours)
    return {"name": "Fête du wiki", "place": "Mairie", "starts": local(starts),
            "ends": local(starts + timedelta(hours=hours))}


def board_json(client, code):
    r = client.get(f"/fete/{code}/tableau.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


# -- opening ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_admins_and_moderators_open_a_party_in_paris_time(app, en, role):
    person(app, "organiser", role)
    assert sign_in(en, "organiser").status_code == 302
    assert "/admin/fetes" in get(en, "/admin")
    r = party_form(en, name="Fête du wiki de Redon", place="Mairie, salle du conseil",
                   starts="2099-07-14T14:00", ends="2099-07-14T18:30")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    with app.app_context():
        party = WikiParty.get()
    assert (party.starts.hour, party.ends.hour, party.ends.minute) == (12, 16, 30)   # summer: UTC+2
    assert re.fullmatch(f"[{service.ALPHABET}]{{6}}", party.code)
    assert r.headers["Location"] == f"/admin/fetes/{party.id}"
    page = get(en, r.headers["Location"])
    assert party.code in page and 'value="2099-07-14T14:00"' in page and 'value="2099-07-14T18:30"' in page
    listing = get(en, "/admin/fetes")
    assert "Fête du wiki de Redon" in listing and party.code in listing
    # winter: UTC+1; and the admin changes it
    r = party_form(en, f"/admin/fetes/{party.id}", name="Fête d'hiver", place="", starts="2099-12-05T10:00",
                   ends="2099-12-05T17:00")
    assert r.status_code == 302
    with app.app_context():
        party = WikiParty.get()
    assert (party.name, party.starts.hour, party.ends.hour) == ("Fête d'hiver", 9, 16)
    with app.app_context():
        logged = [(e.action, e.actor, e.target) for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert logged == [(action, "organiser", f"{party.code} (#{party.id})") for action in ("party.open", "party.change")]


@pytest.mark.parametrize("role", ["editor", None])
def test_editors_and_visitors_may_not_open_a_party(app, en, role):
    if role:
        person(app, "someone", role)
        sign_in(en, "someone")
    token = csrf_token(en, "/connexion")
    for path in ("/admin/fetes", "/admin/fetes/nouvelle"):
        r = en.get(path)
        assert r.status_code == (403 if role else 302)
        if not role:
            assert r.headers["Location"].startswith("/connexion")
    r = en.post("/admin/fetes/nouvelle", data={"csrf_token": token, **good_values()})
    assert r.status_code == (403 if role else 302)
    party_id, _code = make_party(app)
    assert en.post(f"/admin/fetes/{party_id}/fermer", data={"csrf_token": token}).status_code == (403 if role else 302)
    with app.app_context():
        assert WikiParty.select().count() == 1 and WikiParty.get().closed_at is None


@pytest.mark.parametrize("change, field, message", [
    ({"ends": "2099-07-14T13:00"}, "ends", "The end must come after the start."),
    ({"ends": "2099-07-18T14:00"}, "ends", "A wiki party lasts at most three days."),
    ({"name": " a "}, "name", "Give the party a name"),
    ({"name": "y" * 121}, "name", "at most 120 characters"),
    ({"starts": "14/07/2099"}, "starts", "Give a date and a time"),
    ({"starts": "2099-02-30T10:00"}, "starts", "This date does not exist."),
    ({"starts": "2020-01-01T10:00", "ends": "2020-01-01T12:00"}, "ends", "already past"),
])
def test_invalid_values_are_explained_and_kept(app, admin, change, field, message):
    values = {"name": "Fête du wiki", "place": "Mairie", "starts": "2099-07-14T14:00",
              "ends": "2099-07-14T18:00", **change}
    r = party_form(admin, **values)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and message in html
    assert f'id="party-{field}-error"' in html
    state = form_state(html)
    for key in ("place", "starts", "ends"):
        assert state[key] == [values[key].strip()]
    with app.app_context():
        assert WikiParty.select().count() == 0


def test_closing_now_writes_the_tally(app, admin):
    party_id, code = make_party(app)
    r = admin.post(f"/admin/fetes/{party_id}/fermer", data={"csrf_token": csrf_token(admin, "/admin/fetes")})
    assert r.status_code == 302
    with app.app_context():
        party = WikiParty.get_by_id(party_id)
        assert party.closed_at is not None and party.tally_page.startswith("fete-du-wiki-")
        assert not service.running(party_id)
        assert AuditEntry.get(AuditEntry.action == "party.close").actor == "robot"
    assert "Tally" in get(admin, "/admin/fetes")
    assert party.tally_page in get(admin, f"/fete/{code}")


# -- joining ---------------------------------------------------------------------------------
def test_joining_with_the_code_whatever_its_case(app, en):
    _party_id, code = make_party(app)
    assert 'name="code"' in get(en, "/fete")
    r = en.get("/fete?code=ZZZZZZ")
    assert r.status_code == 404 and "No wiki party has this code" in r.get_data(as_text=True)
    assert form_state(r.get_data(as_text=True))["code"] == ["ZZZZZZ"]
    typed = f" {code[:3].lower()}-{code[3:].lower()} "
    r = en.get("/fete", query_string={"code": typed})
    assert r.status_code == 302 and r.headers["Location"] == f"/fete/{code}"
    r = en.get(f"/fete/{code.lower()}")
    assert r.status_code == 302 and r.headers["Location"] == f"/fete/{code}"
    assert en.get("/fete/0O1I00").status_code == 404
    assert 'name="pseudonym"' in get(en, f"/fete/{code}")


@pytest.mark.parametrize("typed, message", [("a", "2 to 40 characters"), ("z" * 41, "2 to 40 characters"),
                                            ("\u202e\x00 ", "2 to 40 characters")])
def test_a_pseudonym_is_required(app, en, typed, message):
    _party_id, code = make_party(app)
    r = join(en, code, typed)
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    with en.session_transaction() as session:
        assert rights.SESSION_PARTY not in session


@pytest.mark.parametrize("starts, ends, message", [(1, 3, "only while it runs"), (-3, -1, "only while it runs")])
def test_joining_is_only_while_the_party_runs(app, en, starts, ends, message):
    _party_id, code = make_party(app, starts=starts, ends=ends)
    assert 'name="pseudonym"' not in get(en, f"/fete/{code}")
    r = join(en, code)
    assert r.status_code == 409 and message in r.get_data(as_text=True)


def test_contributing_without_an_account_while_the_party_runs(app, en):
    signed_in_only(app)
    party_id, code = make_party(app)
    r = edit(en, "salle-des-fetes", "# Salle des fêtes\n\nPar un visiteur.")
    assert r.status_code == 403 and "Sign in to change this page" in r.get_data(as_text=True)
    r = join(en, code, "Anouk la Rédonnaise")
    assert r.status_code == 302 and r.headers["Location"] == f"/fete/{code}"
    page = get(en, f"/fete/{code}")
    assert "You take part as Anouk la Rédonnaise" in page
    assert form_state(get(en, "/wiki/salle-des-fetes/edit"))["author"] == ["Anouk la Rédonnaise"]
    r = edit(en, "salle-des-fetes", "# Salle des fêtes\n\nÉcrit à la fête.")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    with app.app_context():
        revision = Revision.get()
    assert (revision.party, revision.author, revision.account) == (party_id, "Anouk la Rédonnaise", None)
    assert revision.address_hash
    end_party(app, party_id)
    r = edit(en, "salle-des-fetes", "# Salle des fêtes\n\nAprès la fête.")
    assert r.status_code == 403
    with en.session_transaction() as session:
        assert rights.SESSION_PARTY not in session            # the party is over: so is the session
    with app.app_context():
        assert Revision.select().count() == 1


def test_a_participant_may_not_edit_pages_reserved_to_moderators(app, en):
    party_id, code = make_party(app)
    with app.test_request_context():
        AccessRule.create(target="page:statuts", read="all", edit="moderators", updated=utcnow())
        rights.rules_changed()
    join(en, code)
    assert edit(en, "statuts", "# Statuts\n\nChangés.").status_code == 403
    assert edit(en, "autre-page", "# Autre\n\nTexte.").status_code == 302


def test_leaving_the_party(app, en):
    signed_in_only(app)
    _party_id, code = make_party(app)
    join(en, code)
    r = en.post("/fete/quitter", data={"csrf_token": csrf_token(en, f"/fete/{code}")})
    assert r.status_code == 302
    assert edit(en, "une-page", "# Une page\n\nTexte.").status_code == 403


# -- the live board --------------------------------------------------------------------------
def test_the_board_counts_what_the_party_produced(app, en, within):
    with within():
        from wiki.content.pages import save_page
        save_page("marche", "# Le marché\n\nLe lundi.", author="Avant")
    party_id, code = make_party(app)
    join(en, code, "Anouk")
    assert edit(en, "bibliotheque", "# La bibliothèque\n\nOuverte le mercredi.").status_code == 302
    assert edit(en, "bibliotheque", "# La bibliothèque\n\nOuverte le mercredi et le samedi.").status_code == 302
    assert edit(en, "marche", "# Le marché\n\nLe lundi matin.").status_code == 302
    r = en.post("/fiches/lieux/new", data={
        "csrf_token": csrf_token(en, "/fiches/lieux/new"), "f-titre": "Le Grain", "f-categorie": "Tiers-lieu",
        "f-lieu.adresse": "Redon", "f-lieu.lat": "47.6519", "f-lieu.lon": "-2.0842", "author": "Anouk"})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    other = app.test_client()
    join(other, code, "Bastien")
    assert edit(other, "marche", "# Le marché\n\nLe lundi matin, place du Parlement.").status_code == 302
    outsider = app.test_client()                  # a visitor who did not join: not counted
    assert edit(outsider, "hors-fete", "# Hors fête\n\nTexte.").status_code == 302

    data = board_json(app.test_client(), code)
    assert data["counts"] == {"pages_created": 1, "pages_edited": 1, "fiches": 1, "places": 1,
                              "contributors": 2, "edits": 5, "pending": 0}
    assert [p["name"] for p in data["pages_created"]] == ["bibliotheque"]
    assert [p["name"] for p in data["pages_edited"]] == ["marche"]
    assert data["fiches"][0]["label"] == "Lieux" and data["fiches"][0]["items"][0]["title"] == "Le Grain"
    assert data["places"][0]["lat"] == pytest.approx(47.6519)
    assert data["contributors"] == [{"name": "Anouk", "account": False, "edits": 4},
                                    {"name": "Bastien", "account": False, "edits": 1}]
    assert data["party"]["state"] == "running" and data["party"]["code"] == code
    html = get(app.test_client(), f"/fete/{code}/tableau")
    for text in ("La bibliothèque", "Le marché", "Le Grain", "Anouk", "Bastien", "47.6519"):
        assert text in html
    assert "Hors fête" not in html
    assert '<meta http-equiv="refresh" content="30">' in html          # works without JavaScript
    assert "party.js" in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html.split("<body>")[1])


def test_the_board_leaves_out_what_the_visitor_may_not_read(app, en):
    party_id, code = make_party(app)
    join(en, code)
    edit(en, "secret", "# Secret\n\nTexte.")
    edit(en, "public", "# Public\n\nTexte.")
    with app.test_request_context():
        AccessRule.create(target="page:secret", read="signed_in", edit="signed_in", updated=utcnow())
        rights.rules_changed()
    data = board_json(app.test_client(), code)
    assert [p["name"] for p in data["pages_created"]] == ["public"]


def test_the_screen_shows_the_code_and_the_qr_code_of_the_join_address(app, en):
    _party_id, code = make_party(app)
    html = get(en, f"/fete/{code}/ecran")
    join_url = f"http://localhost/fete/{code}"
    assert code in html and join_url in html and f'src="/fete/{code}/qr.svg"' in html
    r = en.get(f"/fete/{code}/qr.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    svg = r.get_data(as_text=True)
    expected = segno.make(join_url, error="m", micro=False).svg_inline()
    path = re.compile(r'class="qrline"[^>]* d="([^"]+)"')
    assert path.search(svg).group(1) == path.search(expected).group(1)
    assert en.get("/fete/ZZZZZZ/qr.svg").status_code == 404


# -- closing by itself -----------------------------------------------------------------------
def test_an_ended_party_closes_itself_at_the_next_request(app, en):
    party_id, code = make_party(app, starts=-4, ends=-1)
    assert en.get("/fiches").status_code == 200           # the once-a-minute check of this process
    with app.app_context():
        party = WikiParty.get_by_id(party_id)
        assert party.closed_at is not None and party.tally_page
        page = Page.get(Page.name == party.tally_page)
        revision = Revision.get(Revision.page == page)
    assert revision.party is None and revision.account is None
    html = get(en, f"/wiki/{party.tally_page}")
    assert "Fête du wiki de Redon" in html and "Mairie de Redon" in html


def test_the_tally_lists_what_was_made_and_is_written_once(app, en):
    party_id, code = make_party(app)
    join(en, code, "Anouk")
    edit(en, "lavoir", "# Le lavoir\n\nRestauré en 2019.")
    end_party(app, party_id)
    results, barrier = [], threading.Barrier(2)

    def trigger():
        with app.test_request_context():
            barrier.wait()
            results.append(tally.close_ended_parties())
            database.close()

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = [name for found in results for name in found]
    assert len(written) == 1
    with app.app_context():
        assert Page.select().where(Page.name.startswith("fete-du-wiki-")).count() == 1
        assert WikiParty.get_by_id(party_id).tally_page == written[0]
        source = Revision.get(Revision.page == Page.get(Page.name == written[0])).source
    assert "[[lavoir|Le lavoir]]" in source and "Anouk (1)" in source
    with app.test_request_context():
        assert tally.close_ended_parties() == []
    html = get(en, f"/fete/{code}")
    assert "This party is over" in html and written[0] in html


def test_the_tally_is_written_even_when_only_admins_may_create_pages(app, en):
    with app.test_request_context():
        AccessRule.create(target="instance", read="all", edit="admins", updated=utcnow())
        rights.rules_changed()
    party_id, code = make_party(app, starts=-3, ends=-1)
    assert en.get(f"/fete/{code}").status_code == 200      # a visitor triggers it
    with app.app_context():
        assert WikiParty.get_by_id(party_id).tally_page


# -- hostile input ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_party_names_never_break_a_page(app, admin, kind):
    name = HOSTILE[kind]
    r = party_form(admin, **{**good_values(-1, 2), "name": name, "place": name})
    assert r.status_code in (302, 400)
    html = r.get_data(as_text=True)
    assert "<script>alert" not in html and "\u202e" not in html and "\x00" not in html
    if kind == "long":
        assert r.status_code == 400 and "at most 120 characters" in html
        return
    assert r.status_code == 302
    with app.app_context():
        party = WikiParty.get()
    assert "\u202e" not in party.name and "\x00" not in party.name
    for path in ("/admin/fetes", f"/admin/fetes/{party.id}", f"/fete/{party.code}", f"/fete/{party.code}/ecran",
                 f"/fete/{party.code}/tableau"):
        html = get(admin, path)
        assert "<script>alert" not in html and "<img src=x" not in html
    if kind == "html":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in get(admin, "/admin/fetes")
    end_party(app, party.id)
    get(admin, "/admin/fetes")                                 # closes it: the tally is written
    with app.app_context():
        tally_page = WikiParty.get_by_id(party.id).tally_page
    html = get(admin, f"/wiki/{tally_page}")
    assert "<script>alert" not in html and "<img src=x" not in html
    if kind == "html":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_pseudonyms_and_codes_never_break_a_page(app, en, kind):
    party_id, code = make_party(app)
    typed = HOSTILE[kind]
    r = join(en, code, typed)
    assert r.status_code in (302, 400)
    html = r.get_data(as_text=True)
    assert "<script>alert" not in html and "\u202e" not in html and "\x00" not in html
    if r.status_code == 302:
        edit(en, "ma-page", "# Ma page\n\nTexte.")
        for path in (f"/fete/{code}", f"/fete/{code}/tableau", f"/fete/{code}/ecran", "/wiki/ma-page/history"):
            html = get(en, path)
            assert "<script>alert" not in html and "\u202e" not in html
        assert "\u202e" not in str(board_json(en, code)["contributors"])
    for path in (f"/fete?code={typed}", f"/fete/{typed[:2000]}", f"/fete/{typed[:2000]}/tableau.json",
                 f"/fete/{typed[:2000]}/qr.svg"):
        r = en.get(path)
        assert r.status_code in (302, 404), (path, r.status_code)
        assert "<script>alert" not in r.get_data(as_text=True)


def test_closing_works_outside_requests_too(app):
    """What the CLI or the delivery worker would call: an app context, no request."""
    party_id, _code = make_party(app, starts=-3, ends=-1)
    with app.app_context():
        written = tally.close_ended_parties()
        assert written == [WikiParty.get_by_id(party_id).tally_page] and Page.get(Page.name == written[0])
        assert tally.close_ended_parties() == []
