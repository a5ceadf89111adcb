"""Federation moderation: blocking a domain or an actor (its activities refused, its follows gone
both ways, its commons hidden everywhere and back when unblocked, never again through someone
else's Announce), removing one common, the commons held for a moderator, and who may do it.

The real app and its forms (CSRF), accounts signed in through /connexion, a remote server on
127.0.0.1 (federation_helpers.FakeRemote) whose activities are signed as Mastodon signs them."""
import json

import pytest

from conftest import ROBOT_PASSWORD, csrf_token, sign_in
from federation.models import (BlockedActor, Follower, Following, OutboxActivity, RemoteObject,
                               RemovedObject)
from federation_helpers import follow_us
from test_federation_inbox import OURS, post
from wiki.accounts.models import AuditEntry
from wiki.models import Page

PAGE = "/admin/federation"
EVENT = {"type": "Event", "name": "Atelier vélo", "startTime": "2027-04-02T18:00:00+02:00",
         "endTime": "2027-04-02T20:00:00+02:00", "timezone": "Europe/Paris", "content": "<p>Réparer</p>",
         "location": {"type": "Place", "name": "Atelier", "latitude": 47.1, "longitude": 3.9}}


@pytest.fixture
def hold():
    """Asked by a test: its instance holds new commons for a moderator (hold_commons = true)."""
    return True


@pytest.fixture
def manual():
    """Asked by a test: follow requests wait for an answer (accept_follows = "manual")."""
    return True


@pytest.fixture
def instance_dir(federated, request):
    return federated(rate_limit_per_minute=1000, hold_commons="hold" in request.fixturenames,
                     accept_follows="manual" if "manual" in request.fixturenames else "auto")


def person(app, username, role):
    """A client signed in as a new account with `role` (English pages)."""
    from wiki.accounts.service import create_account
    with app.app_context():
        create_account(username, ROBOT_PASSWORD, role=role)
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert sign_in(client, username, ROBOT_PASSWORD).status_code == 302
    return client


@pytest.fixture
def moderator(app):
    return person(app, "modo", "moderator")


@pytest.fixture
def editor(app):
    return person(app, "edith", "editor")


def form(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, PAGE), **data})


def we_follow(app, client, key, remote, name):
    """Our territory follows `name` (our Follow, its signed Accept)."""
    from federation import remote as remote_actors
    from federation.activities.follow import follow
    actor = f"{remote.base}/users/{name}"
    with app.test_request_context():
        follow_id = follow("territoire-de-test", remote_actors.actor(actor)).follow_id
    accept = {"id": f"{remote.base}/activities/accept-{name}", "type": "Accept", "actor": actor,
              "object": {"id": follow_id, "type": "Follow", "actor": OURS, "object": actor}}
    assert send(client, key, remote, accept, name).status_code == 202


def send(client, key, remote, activity, name="alice"):
    return post(client, key, remote, activity, key_id=f"{remote.base}/users/{name}#main-key")


def activity(remote, type_, obj, n, name="alice"):
    return {"id": f"{remote.base}/activities/{name}-{type_}-{n}", "type": type_,
            "actor": f"{remote.base}/users/{name}", "object": obj}


def article(remote, n, author="alice", **extra):
    return {"id": f"{remote.base}/wiki/page-{n}", "type": "Article", "name": f"Le lavoir {n}",
            "url": f"{remote.base}/wiki/page-{n}", "attributedTo": f"{remote.base}/users/{author}",
            "source": {"content": f"# Le lavoir {n}\n\nLe lavoir restauré{n}.", "mediaType": "text/markdown"},
            **extra}


def event(remote, n, author="alice"):
    return {**EVENT, "id": f"{remote.base}/events/{n}", "attributedTo": f"{remote.base}/users/{author}"}


def share(client, key, remote, obj, n, name="alice", type_="Create"):
    assert send(client, key, remote, activity(remote, type_, obj, n, name), name).status_code == 202


def local_name(app, object_id):
    with app.app_context():
        return RemoteObject.get(RemoteObject.object_id == object_id).page


def visible(client, name, word):
    """Where a common shows: its page, search (HTML and API), the agenda's list and map data."""
    return {"page": client.get(f"/wiki/{name}").status_code == 200,
            "search": name in client.get(f"/api/search?q={word}").get_data(as_text=True),
            "search_html": name in client.get(f"/search?q={word}").get_data(as_text=True),
            "list": name in client.get("/api/forms/agenda/entries").get_data(as_text=True),
            "map": name in client.get("/api/forms/agenda/entries.geojson").get_data(as_text=True),
            "commons": name in client.get("/communs").get_data(as_text=True)}


def audited(app, action):
    with app.app_context():
        return [(e.actor, e.target, e.detail) for e in AuditEntry.select().where(AuditEntry.action == action)]


def test_blocking_an_actor_refuses_it_removes_its_follows_and_hides_its_commons_until_unblocked(
        app, client, key, remote, moderator):
    we_follow(app, client, key, remote, "alice")
    follow_us(client, key, remote, "alice", "territoire-de-test")
    we_follow(app, client, key, remote, "bob")
    share(client, key, remote, article(remote, 1), 1)
    share(client, key, remote, event(remote, 2), 2)
    share(client, key, remote, article(remote, 3, author="bob"), 3, name="bob")
    page, fiche, bobs = (local_name(app, i) for i in (f"{remote.base}/wiki/page-1", f"{remote.base}/events/2",
                                                      f"{remote.base}/wiki/page-3"))
    assert all(visible(client, fiche, "Atelier").values()) and visible(client, page, "restauré1")["page"]

    r = form(moderator, PAGE + "/acteurs", actor=f"{remote.base}/users/alice", reason="spam")
    assert r.status_code == 302
    assert "2 follows removed, 2 commons hidden" in moderator.get(PAGE).get_data(as_text=True)
    with app.app_context():
        assert not Follower.select().exists()
        assert [f.actor for f in Following.select()] == [f"{remote.base}/users/bob"]
        sent = {a.type: json.loads(a.document) for a in OutboxActivity.select()}
        assert sent["Undo"]["object"]["object"] == f"{remote.base}/users/alice"     # our follow undone
        assert sent["Reject"]["object"]["actor"] == f"{remote.base}/users/alice"    # hers refused
    assert not any(visible(client, fiche, "Atelier").values())
    assert not any(visible(client, page, "restauré1").values())
    assert visible(client, bobs, "restauré3")["page"]                              # bob's stays
    # her activities are refused before anything is fetched
    before = len(remote.requests)
    assert send(client, key, remote, activity(remote, "Create", article(remote, 4), 4)).status_code == 403
    assert send(client, key, remote, activity(remote, "Follow", OURS, 5)).status_code == 403
    assert len(remote.requests) == before
    assert audited(app, "federation.block_actor") == [("modo", f"{remote.base}/users/alice",
                                                        "spam — 2 follows removed, 2 commons hidden")]

    r = form(moderator, PAGE + "/acteurs", actor=f"{remote.base}/users/alice", remove="1")
    assert r.status_code == 302
    assert all(visible(client, fiche, "Atelier").values()) and visible(client, page, "restauré1")["page"]
    with app.app_context():
        assert not BlockedActor.select().exists() and not RemovedObject.select().exists()
    assert send(client, key, remote, activity(remote, "Follow", OURS, 6)).status_code == 202
    assert audited(app, "federation.unblock_actor")[0][2] == "2 commons back"


def test_an_announce_by_someone_else_does_not_bring_back_a_blocked_actors_commons(
        app, client, key, remote, moderator):
    we_follow(app, client, key, remote, "alice")
    we_follow(app, client, key, remote, "bob")
    share(client, key, remote, article(remote, 1), 1)
    name = local_name(app, f"{remote.base}/wiki/page-1")
    remote.documents["/wiki/page-1"] = article(remote, 1)
    form(moderator, PAGE + "/acteurs", actor=f"{remote.base}/users/alice")
    assert client.get(f"/wiki/{name}").status_code == 404
    # bob announces her object (embedded, by id, inside her Create), and a new one of hers
    share(client, key, remote, article(remote, 1), 10, name="bob", type_="Announce")
    share(client, key, remote, f"{remote.base}/wiki/page-1", 11, name="bob", type_="Announce")
    share(client, key, remote, activity(remote, "Create", article(remote, 1), 12), 12, name="bob", type_="Announce")
    share(client, key, remote, activity(remote, "Create", event(remote, 7, author="bob"), 13), 13,
          name="bob", type_="Announce")
    share(client, key, remote, event(remote, 8), 14, name="bob", type_="Announce")
    assert client.get(f"/wiki/{name}").status_code == 404
    with app.app_context():
        assert set(RemoteObject.select(RemoteObject.object_id).tuples()) == {(f"{remote.base}/wiki/page-1",)}
        assert RemoteObject.get().origin == f"{remote.base}/users/alice"


def test_blocking_a_domain_hides_what_its_actors_wrote_and_overlapping_blocks_keep_it_hidden(
        app, client, key, remote, moderator):
    we_follow(app, client, key, remote, "alice")
    share(client, key, remote, article(remote, 1, attributedTo="https://blocked.example/users/eve"), 1)
    share(client, key, remote, article(remote, 2), 2)
    eves, alices = local_name(app, f"{remote.base}/wiki/page-1"), local_name(app, f"{remote.base}/wiki/page-2")
    assert form(moderator, PAGE + "/blocages", domain="Blocked.Example", reason="spam").status_code == 302
    assert client.get(f"/wiki/{eves}").status_code == 404 and client.get(f"/wiki/{alices}").status_code == 200
    # what eve writes does not come in through alice either
    share(client, key, remote, article(remote, 3, attributedTo="https://blocked.example/users/eve"), 3)
    share(client, key, remote, {**event(remote, 4), "attributedTo": "https://a.blocked.example/u/x"}, 4,
          type_="Announce")
    with app.app_context():
        assert not RemoteObject.select().where(RemoteObject.object_id.in_(
            [f"{remote.base}/wiki/page-3", f"{remote.base}/events/4"])).exists()
    # the whole remote server blocked too: everything hidden, follows gone (no Undo: nothing goes to it)
    form(moderator, PAGE + "/blocages", domain="127.0.0.1")
    assert client.get(f"/wiki/{alices}").status_code == 404
    with app.app_context():
        assert not Following.select().exists()
        assert not OutboxActivity.select().where(OutboxActivity.type == "Undo").exists()
    form(moderator, PAGE + "/blocages", domain="127.0.0.1", remove="1")
    assert client.get(f"/wiki/{alices}").status_code == 200
    assert client.get(f"/wiki/{eves}").status_code == 404             # still under the other block
    with app.app_context():
        assert RemovedObject.get().cause == "domain:blocked.example"
    form(moderator, PAGE + "/blocages", domain="blocked.example", remove="1")
    assert client.get(f"/wiki/{eves}").status_code == 200
    assert [a[1] for a in audited(app, "federation.block_domain")] == ["blocked.example", "127.0.0.1"]


def test_removing_one_common_trashes_it_and_ignores_its_later_updates_until_restored(
        app, client, key, remote, moderator, editor):
    we_follow(app, client, key, remote, "alice")
    we_follow(app, client, key, remote, "bob")
    share(client, key, remote, article(remote, 1), 1)
    name = local_name(app, f"{remote.base}/wiki/page-1")
    assert "Remove this common" not in editor.get(f"/wiki/{name}").get_data(as_text=True)
    assert "Remove this common" not in client.get(f"/wiki/{name}").get_data(as_text=True)
    html = moderator.get(f"/wiki/{name}").get_data(as_text=True)
    assert "Remove this common" in html
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    r = moderator.post("/admin/federation/communs/retirer", data={"csrf_token": token, "name": name,
                                                                   "reason": "hors sujet"})
    assert r.status_code == 302
    assert client.get(f"/wiki/{name}").status_code == 404
    assert name not in client.get("/api/search?q=restauré1").get_data(as_text=True)
    changed = article(remote, 1, name="Changé", source={"content": "# Changé\n\nNouveau.", "mediaType": "text/markdown"},
                      updated="2030-01-01T00:00:00Z")
    share(client, key, remote, changed, 2, type_="Update")
    share(client, key, remote, changed, 3, name="bob", type_="Announce")
    assert client.get(f"/wiki/{name}").status_code == 404
    with app.app_context():
        assert RemoteObject.get().name == "Le lavoir 1"
        row = RemovedObject.get()
        assert (row.kind, row.page, row.reason, row.by) == ("removed", name, "hors sujet", "modo")
    listed = moderator.get(PAGE).get_data(as_text=True)
    assert "removed by modo" in listed and "hors sujet" in listed
    assert audited(app, "federation.remove_common") == [("modo", f"{remote.base}/wiki/page-1", f"{name}: hors sujet")]
    assert form(editor, PAGE + "/communs/restaurer", id=str(row.id)).status_code == 403
    assert form(moderator, PAGE + "/communs/restaurer", id=str(row.id)).status_code == 302
    assert client.get(f"/wiki/{name}").status_code == 200
    share(client, key, remote, changed, 4, type_="Update")
    assert "Nouveau." in client.get(f"/api/pages/{name}").get_json()["source"]
    # only commons: a page of ours is not removed this way
    assert form(moderator, PAGE + "/communs/retirer", name="accueil").status_code == 404


def test_held_commons_are_invisible_until_a_moderator_approves_them(hold, app, client, key, remote, moderator):
    we_follow(app, client, key, remote, "alice")
    share(client, key, remote, event(remote, 1), 1)
    with app.app_context():
        row = RemoteObject.get()
        assert row.held and row.page == "" and not Page.select().where(Page.name.contains("atelier")).exists()
    assert "Atelier" not in client.get("/api/forms/agenda/entries").get_data(as_text=True)
    assert client.get("/api/search?q=Atelier").get_json()["results"] == []
    assert "Atelier" not in client.get("/communs").get_data(as_text=True)
    assert "Atelier" not in client.get("/recent").get_data(as_text=True)
    share(client, key, remote, {**event(remote, 1), "name": "Atelier vélo du samedi"}, 2, type_="Update")
    page = moderator.get(PAGE).get_data(as_text=True)
    assert "Atelier vélo du samedi" in page and "Commons waiting for approval" in page
    assert form(moderator, PAGE + "/communs/en-attente", id=str(row.id), decision="approve").status_code == 302
    name = local_name(app, f"{remote.base}/events/1")
    assert all(visible(client, name, "samedi").values())
    assert audited(app, "federation.approve_common")[0][:2] == ("modo", f"{remote.base}/events/1")
    # a new version of an approved common is applied at once
    share(client, key, remote, {**event(remote, 1), "name": "Atelier vélo du dimanche"}, 3, type_="Update")
    assert client.get(f"/api/entries/{name}").get_json()["values"]["titre"] == "Atelier vélo du dimanche"


def test_the_held_commons_are_a_source_of_the_moderation_queue(hold, app, client, key, remote, within):
    sources = app.extensions["bocage.moderation_sources"]
    [source] = [s for s in sources if s.kind == "federation.common"]
    assert str(source.label) and callable(source.items)
    we_follow(app, client, key, remote, "alice")
    share(client, key, remote, article(remote, 1), 1)
    share(client, key, remote, article(remote, 2), 2)
    with within():
        items = source.items()
        assert [i["title"] for i in items] == ["Le lavoir 1", "Le lavoir 2"]
        assert items[0]["author"] == "Alice" and items[0]["url"] == f"{remote.base}/wiki/page-1"
        assert source.reject(items[0]["id"], "publicité") and not source.reject(items[0]["id"], "again")
        assert source.approve(items[1]["id"])
        assert [i["title"] for i in source.items()] == []
        assert not source.approve(items[0]["id"]) and not source.approve("nonsense")
    assert client.get(f"/wiki/{local_name(app, f'{remote.base}/wiki/page-2')}").status_code == 200
    share(client, key, remote, article(remote, 1, name="Encore"), 3, type_="Update")       # refused: ignored
    with app.app_context():
        assert RemoteObject.get(RemoteObject.object_id == f"{remote.base}/wiki/page-1").name == "Le lavoir 1"
        assert RemovedObject.get().kind == "rejected"
    assert audited(app, "federation.reject_common")[0][2] == "Le lavoir 1: publicité"


def test_hostile_values_from_remote_servers_are_escaped_in_the_queue_and_the_admin_page(
        hold, app, client, key, remote, moderator, within):
    hostile = "<script>alert(1)</script>\u202egnp.exe\x00" + "x" * 20_000
    remote.add_actor("mallory", key, preferredUsername="mal<b>lory</b>")["name"] = hostile
    we_follow(app, client, key, remote, "mallory")
    follow_us(client, key, remote, "mallory", "territoire-de-test")
    share(client, key, remote, {**article(remote, 1, author="mallory"), "name": hostile,
                                "summary": '<img src=x onerror="alert(2)">\u202e' + "y" * 5000}, 1, name="mallory")
    form(moderator, PAGE + "/acteurs", actor="https://evil.example/u/\u202e<i>x</i>")
    with app.app_context():
        assert not BlockedActor.select().exists()                     # not an address: refused
    form(moderator, PAGE + "/acteurs", actor="https://evil.example/u/x", reason=hostile[:400])
    r = moderator.get(PAGE)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>lory" not in html
    assert "<i>x</i>" not in html and "&lt;script&gt;alert(1)" in html
    assert "\u202e" not in html and "\x00" not in html
    assert len(html) < 200_000
    with within():
        [source] = [s for s in app.extensions["bocage.moderation_sources"] if s.kind == "federation.common"]
        [item] = source.items()
        assert "\x00" not in item["title"] and "\u202e" not in item["title"] and len(item["title"]) <= 300
        assert len(item["summary"]) <= 300 and "\u202e" not in item["summary"]
        assert "\u202e" not in item["author"] and len(item["author"]) <= 300


MODERATION = [("post", PAGE + "/abonnes"), ("post", PAGE + "/blocages"), ("post", PAGE + "/acteurs"),
              ("post", PAGE + "/communs/retirer"), ("post", PAGE + "/communs/restaurer"),
              ("post", PAGE + "/communs/en-attente"), ("get", PAGE)]
ADMIN_ONLY = [("post", PAGE + "/suivre"), ("post", PAGE + "/ne-plus-suivre")]


@pytest.mark.parametrize("method,path", MODERATION + ADMIN_ONLY)
def test_an_editor_gets_403_on_every_federation_moderation_route(app, editor, method, path):
    data = {"csrf_token": csrf_token(editor, "/connexion"), "domain": "example.org", "actor": "https://example.org/a",
            "name": "accueil", "id": "1", "decision": "reject", "handle": "@x@example.org"}
    r = editor.get(path) if method == "get" else editor.post(path, data=data)
    assert r.status_code == 403
    with app.app_context():
        assert not BlockedActor.select().exists() and not Following.select().exists()


@pytest.mark.parametrize("method,path", MODERATION)
def test_a_moderator_may_moderate(app, moderator, method, path):
    data = {"domain": "example.org", "actor": "https://example.org/a", "name": "accueil", "id": "1",
            "decision": "reject"}
    r = moderator.get(path) if method == "get" else form(moderator, path, **data)
    assert r.status_code in (200, 302, 404)            # 404: no such common (accueil is ours)
    if path.endswith("/acteurs"):
        with app.app_context():
            assert BlockedActor.get().url == "https://example.org/a"


@pytest.mark.parametrize("method,path", ADMIN_ONLY)
def test_following_stays_for_admins(app, moderator, admin, method, path):
    assert "Follow a territory" not in moderator.get(PAGE).get_data(as_text=True)
    assert "Follow a territory" in admin.get(PAGE).get_data(as_text=True)
    assert form(moderator, path, handle="@x@example.org", actor="https://example.org/a").status_code == 403


def test_follow_requests_held_with_manual_accept_are_listed_and_refused_by_a_moderator(
        manual, app, client, key, remote, moderator):
    follow_us(client, key, remote, "alice", "territoire-de-test")
    html = moderator.get(PAGE).get_data(as_text=True)
    assert "waiting for your answer" in html and "Alice" in html
    assert form(moderator, PAGE + "/abonnes", local="", actor=f"{remote.base}/users/alice",
                decision="reject").status_code == 302
    with app.app_context():
        assert not Follower.select().exists()
        assert OutboxActivity.get().type == "Reject"
    assert audited(app, "federation.remove_follower")[0][:2] == ("modo", f"{remote.base}/users/alice")
