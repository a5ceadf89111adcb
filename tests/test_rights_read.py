"""Read rights on every route: a visitor (or an account outside the right group) cannot read a
private page or fiche through any way in — page, source, history, diff, files, search, feeds,
lists, the API, includes, ActivityPub — and a member of the group can."""
import io
import json

import pytest

from conftest import csrf_token
from tests_helpers import make_page
from rights_helpers import bearer, person, rule, save, signed_in, token_of
from wiki.db import database

SECRET = "# Procès-verbal\n\nLe mot confidentiel est zanzibar. Voir [[ouvert]].\n"
OPEN = '# Ouvert\n\nPage publique sur le vélo.\n\n{{include page="proces-verbal"}}\n\nVoir [[proces-verbal]].\n'


@pytest.fixture
def private(app, client):
    """A private page (the group "bureau" reads and edits it), a public page that links to it and
    includes it, a file attached to the private page; then the rule."""
    save(app, "proces-verbal", SECRET)
    save(app, "ouvert", OPEN)
    admin = signed_in(app, "chef", role="admin")
    r = admin.post("/wiki/proces-verbal/files", data={
        "csrf_token": csrf_token(admin, "/wiki/proces-verbal/edit"),
        "file": (io.BytesIO(b"zanzibar dans un fichier"), "pv.txt")}, content_type="multipart/form-data")
    assert r.status_code == 302
    person(app, "secretaire", groups=["bureau"])
    rule(app, "page:proces-verbal", read="group:bureau", edit="group:bureau")
    return "proces-verbal"


def _revision_ids(app, name):
    from wiki.models import Page, Revision
    with app.app_context():
        page = Page.get(Page.name == name)
        return [r.id for r in Revision.select().where(Revision.page == page).order_by(Revision.id)]


def _routes_of_one_page(app, name):
    first = _revision_ids(app, name)[0]
    return [f"/wiki/{name}", f"/wiki/{name}/history", f"/wiki/{name}/revisions/{first}",
            f"/wiki/{name}/diff", f"/wiki/{name}/edit", f"/wiki/{name}/backlinks",
            f"/wiki/{name}/files/pv.txt", f"/wiki/{name}/delete", f"/wiki/{name}/original",
            f"/api/pages/{name}", f"/api/pages/{name}/revisions"]


def test_a_visitor_gets_404_on_every_route_of_a_private_page(app, client, private):
    for path in _routes_of_one_page(app, private):
        r = client.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "zanzibar" not in r.get_data(as_text=True), path
    # exactly what a page that does not exist answers: existence does not leak
    assert client.get("/wiki/proces-verbal").get_data(as_text=True).replace("proces-verbal", "X") \
        .count("does not exist") == client.get("/wiki/nexiste-pas").get_data(as_text=True).count("does not exist")


def test_an_account_outside_the_group_gets_404_and_a_member_reads_everything(app, private):
    other = signed_in(app, "passant")
    member = signed_in(app, "secretaire", groups=["bureau"])
    for path in _routes_of_one_page(app, private):
        if path.endswith(("/delete", "/original")):
            continue
        assert other.get(path).status_code == 404, path
        r = member.get(path)
        assert r.status_code == 200, (path, r.status_code)
    assert "zanzibar" in member.get("/wiki/proces-verbal").get_data(as_text=True)
    assert member.get("/wiki/proces-verbal/files/pv.txt").data == b"zanzibar dans un fichier"


def test_the_api_with_a_token_follows_its_account_s_rights(app, client, private):
    outsider, member = token_of(app, "robot-passant"), token_of(app, "robot-bureau", groups=["bureau"])
    assert client.get("/api/pages/proces-verbal", headers=bearer(outsider)).status_code == 404
    r = client.get("/api/pages/proces-verbal", headers=bearer(member))
    assert r.status_code == 200 and "zanzibar" in r.get_json()["source"]
    names = [p["name"] for p in client.get("/api/pages").get_json()["pages"]]
    assert "ouvert" in names and "proces-verbal" not in names
    names = [p["name"] for p in client.get("/api/pages", headers=bearer(member)).get_json()["pages"]]
    assert "proces-verbal" in names


def test_search_leaves_a_private_page_out_for_visitors_only(app, client, private):
    assert "proces-verbal" not in client.get("/search?q=zanzibar").get_data(as_text=True)
    found = client.get("/api/search?q=zanzibar").get_json()
    assert found["total"] == 0 and found["results"] == []
    assert client.get("/api/search?q=vélo").get_json()["total"] == 1       # the public page still is
    member = signed_in(app, "secretaire", groups=["bureau"])
    assert "proces-verbal" in member.get("/search?q=zanzibar").get_data(as_text=True)
    assert member.get("/api/search?q=zanzibar").get_json()["total"] == 1


def test_recent_changes_and_their_feed_leave_it_out(app, client, private):
    for path in ("/recent", "/recent.atom"):
        text = client.get(path).get_data(as_text=True)
        assert "ouvert" in text and "proces-verbal" not in text and "Procès-verbal" not in text, path
    member = signed_in(app, "secretaire", groups=["bureau"])
    assert "proces-verbal" in member.get("/recent").get_data(as_text=True)


def test_lists_backlinks_and_the_index_leave_it_out(app, client, private):
    for path in ("/index", "/orphans", "/wanted", "/trash", "/wiki/ouvert/backlinks"):
        text = client.get(path).get_data(as_text=True)
        assert "proces-verbal" not in text and "Procès-verbal" not in text, path
    # the private page links to "ouvert": for a visitor, "ouvert" is linked from nowhere
    assert "Ouvert" in client.get("/orphans").get_data(as_text=True)
    member = signed_in(app, "secretaire", groups=["bureau"])
    assert "Procès-verbal" in member.get("/wiki/ouvert/backlinks").get_data(as_text=True)
    assert "Procès-verbal" in member.get("/index").get_data(as_text=True)


def test_an_include_of_a_private_page_shows_nothing_of_it(app, client, private):
    text = client.get("/wiki/ouvert").get_data(as_text=True)
    assert "vélo" in text and "zanzibar" not in text
    assert 'class="wikilink missing"' in text          # the link to it looks like a missing page
    api = client.get("/api/pages/ouvert").get_json()["html"]
    assert "zanzibar" not in api
    member = signed_in(app, "secretaire", groups=["bureau"])
    assert "zanzibar" in member.get("/wiki/ouvert").get_data(as_text=True)


def test_a_cached_view_never_serves_a_page_made_private_since(app, client):
    save(app, "bientot-prive", "# Bientôt privé\n\nLe code est kiwi.")
    assert "kiwi" in client.get("/wiki/bientot-prive").get_data(as_text=True)
    assert "Bientôt privé" in client.get("/recent").get_data(as_text=True)
    rule(app, "page:bientot-prive", read="signed_in", edit="signed_in")
    r = client.get("/wiki/bientot-prive")
    assert r.status_code == 404 and "kiwi" not in r.get_data(as_text=True)
    assert "Bientôt privé" not in client.get("/index").get_data(as_text=True)
    editor = signed_in(app, "redacteur")
    assert "kiwi" in editor.get("/wiki/bientot-prive").get_data(as_text=True)


# -- fiches -----------------------------------------------------------------------------------
def test_a_private_form_is_gone_from_every_list_map_feed_and_api(app, client, add):
    add("initiatives", titre="Atelier secret de zanzibar", description="Réparer.", themes=["Mobilité"])
    rule(app, "form:initiatives", read="signed_in", edit="signed_in")
    for path in ("/fiches/initiatives", "/fiches/initiatives/carte", "/fiches/initiatives/feed.atom",
                 "/fiches/initiatives/new", "/api/forms/initiatives", "/api/forms/initiatives/entries",
                 "/api/forms/initiatives/entries.csv", "/api/forms/initiatives/entries.geojson"):
        assert client.get(path).status_code == 404, path
    assert "/fiches/initiatives" not in client.get("/fiches").get_data(as_text=True)
    assert "initiatives" not in [f["id"] for f in client.get("/api/forms").get_json()["forms"]]
    assert "Atelier secret" not in client.get("/search?q=zanzibar").get_data(as_text=True)
    assert "zanzibar" not in client.get("/carte").get_data(as_text=True)
    assert "zanzibar" not in client.get("/recent").get_data(as_text=True)
    save(app, "avec-liste", '# Liste\n\n{{liste form="initiatives"}}\n')
    text = client.get("/wiki/avec-liste").get_data(as_text=True)
    assert "zanzibar" not in text and "action-error" in text
    editor = signed_in(app, "redacteur")
    assert "zanzibar" in editor.get("/fiches/initiatives").get_data(as_text=True)
    assert "zanzibar" in editor.get("/wiki/avec-liste").get_data(as_text=True)


def test_a_fiche_follows_its_form_s_read_rule_and_a_form_open_to_readers_the_wiki_s(app, client, add):
    """The page of one fiche: 404 when its form closes reading; readable when the form only
    restricts editing; and then closed again with the wiki (a form open to readers is not more
    open than the wiki)."""
    closed = add("initiatives", titre="Atelier", description="Réparer des zanzibars.", themes=["Mobilité"])
    opened = add("agenda", titre="Fête du kiwi", dates={"debut": "2030-05-01T10:00"})
    rule(app, "form:initiatives", read="signed_in", edit="signed_in")
    rule(app, "form:agenda", read="all", edit="moderators")
    r = client.get(f"/wiki/{closed}")
    assert r.status_code == 404 and "zanzibar" not in r.get_data(as_text=True)
    assert client.get(f"/api/entries/{closed}").status_code == 404
    assert "Fête du kiwi" in client.get(f"/wiki/{opened}").get_data(as_text=True)
    assert client.get(f"/api/entries/{opened}").status_code == 200
    rule(app, "instance", read="signed_in", edit="signed_in")
    r = client.get(f"/wiki/{opened}")
    assert r.status_code in (302, 401) and "Fête du kiwi" not in r.get_data(as_text=True)
    assert "Fête du kiwi" in signed_in(app, "lectrice").get(f"/wiki/{opened}").get_data(as_text=True)


def test_one_private_fiche_leaves_its_form_s_lists_agenda_and_exports(app, client, add):
    public = add("agenda", titre="Fête publique", dates={"debut": "2030-05-01T10:00"})
    secret = add("agenda", titre="Réunion zanzibar", dates={"debut": "2030-05-02T10:00"})
    rule(app, f"page:{secret}", read="moderators", edit="moderators")
    for path in ("/fiches/agenda", "/fiches/agenda/agenda?mois=2030-05", "/fiches/agenda/feed.atom",
                 "/api/forms/agenda/entries", "/api/forms/agenda/entries.csv",
                 "/api/forms/agenda/entries.ics", "/api/forms/agenda/entries.geojson"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "zanzibar" not in r.get_data(as_text=True), path
    assert "Fête publique" in client.get("/fiches/agenda").get_data(as_text=True)
    assert client.get(f"/wiki/{secret}").status_code == 404
    assert client.get(f"/api/entries/{secret}").status_code == 404
    assert client.get(f"/api/entries/{public}").status_code == 200
    moderator = signed_in(app, "moderatrice", role="moderator")
    assert "zanzibar" in moderator.get("/fiches/agenda").get_data(as_text=True)


# -- a private wiki ---------------------------------------------------------------------------
def test_a_private_wiki_shows_strangers_the_sign_in_page_only(app, client):
    save(app, "ouvert", OPEN)
    rule(app, "instance", read="signed_in", edit="signed_in")
    r = client.get("/wiki/ouvert")
    assert r.status_code == 302 and r.headers["Location"].startswith("/connexion")
    assert client.get("/connexion").status_code == 200
    assert client.get("/api/pages").status_code == 401
    assert client.get("/api/search?q=vélo").status_code == 401
    assert client.get("/recent.atom").status_code == 302
    assert client.get("/wiki/ouvert", headers={"Accept": "application/activity+json"}).status_code == 404
    assert client.get("/.well-known/nodeinfo").status_code == 404
    editor = signed_in(app, "redacteur")
    assert "vélo" in editor.get("/wiki/ouvert").get_data(as_text=True)


# -- ActivityPub ------------------------------------------------------------------------------
AP = {"Accept": "application/activity+json"}


def _outbox_objects(client, actor):
    first = client.get(f"/ap/actors/{actor}/outbox?page=1", headers=AP)
    assert first.status_code == 200
    return [item["object"]["id"] if isinstance(item["object"], dict) else item["object"]
            for item in first.get_json().get("orderedItems", [])]


def test_activitypub_serves_and_publishes_no_private_page(app, client):
    from federation.models import OutboxActivity
    from federation.config import instance
    save(app, "proces-verbal", SECRET)            # public at first: a Create went out
    save(app, "ouvert", OPEN)
    with app.app_context():
        slug = instance().slug
        created = OutboxActivity.get((OutboxActivity.type == "Create")
                                     & OutboxActivity.object_id.endswith("/wiki/proces-verbal"))
    assert client.get("/wiki/proces-verbal", headers=AP).status_code == 200
    person(app, "secretaire", groups=["bureau"])
    rule(app, "page:proces-verbal", read="group:bureau", edit="group:bureau")
    with app.app_context():               # made private: a Delete went to the followers
        last = (OutboxActivity.select().where(OutboxActivity.object_id.endswith("/wiki/proces-verbal"))
                .order_by(OutboxActivity.id.desc()).first())
        assert last.type == "Delete" and "zanzibar" not in last.document
    assert client.get("/wiki/proces-verbal", headers=AP).status_code == 404
    assert client.get(f"/ap/activities/{created.uid}", headers=AP).status_code == 404
    objects = _outbox_objects(client, slug)
    assert any(o.endswith("/wiki/ouvert") for o in objects)
    assert not any(o.endswith("/wiki/proces-verbal") for o in objects)
    member = signed_in(app, "secretaire")
    make_page(member, "proces-verbal", SECRET + "\nEncore.\n")     # a change is not published either
    with app.app_context():
        assert not (OutboxActivity.select().where(OutboxActivity.object_id.endswith("/wiki/proces-verbal")
                                                  & (OutboxActivity.id > last.id)).exists())
    # public again: sent as new
    rule(app, "page:proces-verbal", read="all", edit="all")
    with app.app_context():
        again = (OutboxActivity.select().where(OutboxActivity.object_id.endswith("/wiki/proces-verbal"))
                 .order_by(OutboxActivity.id.desc()).first())
        assert again.type == "Create"


def test_a_new_follower_s_backfill_skips_private_pages(app):
    from federation import outbox
    from federation.config import instance
    from federation.models import Delivery, OutboxActivity
    save(app, "proces-verbal", SECRET)
    save(app, "ouvert", OPEN)
    rule(app, "page:proces-verbal", read="signed_in", edit="signed_in")
    with app.test_request_context("/"):
        database.connect(reuse_if_open=True)
        assert outbox.backfill(instance().slug, "https://ailleurs.example/inbox") == 1
        sent = OutboxActivity.get_by_id(Delivery.get(Delivery.inbox == "https://ailleurs.example/inbox").activity)
        assert json.loads(sent.document)["object"]["id"].endswith("/wiki/ouvert")
        database.close()


def test_a_private_form_s_actor_is_gone(app, client):
    assert client.get("/ap/actors/initiatives", headers=AP).status_code == 200
    rule(app, "form:initiatives", read="signed_in", edit="signed_in")
    assert client.get("/ap/actors/initiatives", headers=AP).status_code == 404
    assert client.get("/ap/actors/initiatives/outbox", headers=AP).status_code == 404


def test_with_no_rule_reading_makes_no_query_more(app, client):
    """The usual wiki: a cached page view makes no query at all, rights included."""
    save(app, "ouvert", "# Ouvert\n\nTexte.")
    client.get("/wiki/ouvert")
    db = database.obj
    queries = []
    original = db.execute_sql

    def counting(sql, *args, **kwargs):
        queries.append(sql)
        return original(sql, *args, **kwargs)
    db.execute_sql = counting
    try:
        assert client.get("/wiki/ouvert").status_code == 200
    finally:
        del db.execute_sql
    assert queries == []
    db.execute_sql = counting          # the spy sees queries: a page that is not cached makes some
    try:
        assert client.get("/wiki/ouvert?v=1").status_code == 200
    finally:
        del db.execute_sql
    assert queries
    person(app, "personne")        # (accounts exist: still no rule, still no query)
