"""Every route asks for rights in one place, read from the url_map itself (no list of admin routes
kept by hand): each view wrapped by wiki/rights.py's admin_required, moderator_required or
sign_in_required carries `required_role`. For every such route (HTML and JSON, GET and POST, with
a valid CSRF token taken from a page the person may see), a visitor is sent to sign in (401 in
JSON), an editor gets 403 whether signed in or with an API token, and nothing changes: every
table and the instance's files are the same afterwards; a moderator uses the moderators' routes
and gets 403 on the admins'; an admin gets 200 on every page. Every other route must be in a
short, explained set of public endpoints, so a new route without a decorator fails here.

Bugs these tests found (fixed):
- POST /api/entries/<name>/approve asked for any API token: an editor's published a fiche waiting
  for moderation. It is moderation now (moderator_required, and the audit log records it).
- A refusal sent with a bearer token was an HTML page (403) or a redirect to the sign-in page
  (401) unless the script asked for JSON: a bearer token now always gets JSON.
- The admin home showed moderators the links to forms, lists, rights and anti-spam: each a 403.
  Menus now ask rights.may_visit(endpoint), which reads the same `required_role`.
- The statistics' axes wrote counts as "1.5" or "12.5" (and a million as "1e+06"): whole numbers now.
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from conftest import csrf_token
from rights_helpers import save, signed_in, token_of
from wiki.db import utcnow
from wiki.rights import admin_required

ROLES = ("signed_in", "moderator", "admin")
ORDER = ("editor", "moderator", "admin")
JSON = {"Accept": "application/json"}


def _of(blueprint: str, views: str) -> set[str]:
    return {f"{blueprint}.{view}" for view in views.split()}


# Routes open to everyone. Each reading view hides what the access rules hide (require_read,
# readable_filter: tests/test_rights_read.py); each writing view goes through the content layer,
# whose write guard (rights.check_write) refuses a locked page whatever the route.
PUBLIC = (
    # reading: pages, lists, feeds, fiches, maps, agenda, files, the public API, contributions of an account
    _of("pages", "home show backlinks history revision diff") | {"static", "vendor.asset", "attachments.serve"}
    | _of("special", "index orphans recent recent_feed search trash wanted set_language")
    | _of("fiches", "index listing") | _of("maps", "all_forms form_map") | _of("fiche_feeds", "atom")
    | _of("agenda", "default agenda archives") | _of("provenance", "confirm_adopt upstream")
    | _of("api", "forms form form_entries form_csv form_geojson form_ical geocode openapi list_pages "
                 "get_page revisions search get_entry") | {"contributions.account"}
    # writing (the write guard decides, page by page; the API's writes also need a token)
    | _of("pages", "edit save confirm_delete delete undelete restore") | _of("attachments", "upload delete")
    | _of("fiches", "new create") | _of("fiches_import", "start run") | _of("provenance", "adopt dismiss apply")
    | _of("api", "put_page put_entry create_entry")
    # federation: what peers read and sign (HTTP signatures, federation/inbox.py), and the commons
    | _of("federation", "nodeinfo_links webfinger_view nodeinfo_document instance_actor instance_outbox actor "
                        "relations outbox activity actor_inbox shared_inbox commons_page")
    # signing in, up and out, passwords; a watch feed (its secret is in the address); wiki parties
    | _of("accounts", "sign_in sign_in_post sign_out_post sign_up sign_up_post confirm confirm_post forgot "
                      "forgot_post reset reset_post") | {"admin.sign_in", "watch.feed"}
    | _of("parties", "enter join join_post leave screen qr_svg live_board live_board_json")
)

# What the code decided: moderators run the queue, wiki parties, "Tout annuler", the statistics,
# contributions by pseudonym or address, federation moderation (followers, blocks, commons) and
# approve fiches through the API; admins alone manage accounts, groups, rights, forms and lists,
# the anti-spam blocklist, the audit log, and whom the wiki follows.
MODERATORS = {"admin", "admin_revert", "admin_stats", "parties", "contributions", "federation_admin", "api"}
ADMINS_ONLY = {"federation_admin.follow_post", "federation_admin.unfollow_post"}

# What an editor would send if a check were missing: it would change something.
PAYLOAD = {"role": "admin", "status": "disabled", "mode": "open", "name": "Pirates", "username": "ella",
           "emails": "x@example.org", "account": "ella", "blocklist": "pirate", "read": "admins",
           "edit": "admins", "domain": "example.org", "actor": "https://example.org/a", "decision": "accept",
           "kind": "pseudonym", "value": "Maëlle", "window": "30d", "reason": "x", "values": "a", "id": "neuf",
           "action": "save", "place": "Salle", "starts": "2030-01-01T10:00", "ends": "2030-01-01T12:00"}


def role_of(app, endpoint):
    return getattr(app.view_functions[endpoint], "required_role", None)


def unmarked(app) -> set[str]:
    """Endpoints neither public nor asking a role: what must stay empty."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint not in PUBLIC and role_of(app, rule.endpoint) not in ROLES}


def routes(app, *roles) -> list[tuple[str, str, str]]:
    """(method, path, endpoint) of every rule whose view asks one of `roles`, variables filled."""
    values = app.config["TEST_URL_VALUES"]
    found = set()
    for rule in app.url_map.iter_rules():
        if role_of(app, rule.endpoint) in roles:
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)
            found |= {(method, path, rule.endpoint) for method in rule.methods & {"GET", "POST", "PUT"}}
    return sorted(found)


@dataclass
class Someone:
    client: FlaskClient
    csrf: str
    token: str = ""
    session: bool = True            # False: sends its API token (and no account in its session)

    def ask(self, method, path, json=False, data=None):
        headers = dict(JSON) if json else {}
        if self.token and (not self.session or path.startswith("/api/")):
            headers["Authorization"] = f"Bearer {self.token}"    # the API knows only tokens
        body = None if method == "GET" else {"csrf_token": self.csrf, **(data or {})}
        return self.client.open(path, method=method, headers=headers, data=body)


@pytest.fixture
def world(app, token, within):
    """The robot (admin, account 1), ella (editor, 2) and mona (moderator, 3); a page, a fiche
    waiting for moderation, a group, a wiki party, a revert batch (what URLs name); a neighbour
    and page views, so that the federation and statistics pages show rows, not just "nothing"."""
    from wiki.accounts.models import Group
    from wiki.content.pages import as_instance
    from wiki.fiches import entries
    from wiki.moderation.models import RevertBatch
    from wiki.parties import service
    from wiki.stats.models import PageViewDay
    save(app, "accueil", "# Accueil\n\nBienvenue.")
    with within(), as_instance():
        entries.save_entry(entries.catalogue().form("agenda"), {"titre": "Troc de graines", "dates": {
            "debut": "2030-04-03"}}, status="pending", author="Maëlle")
    people = {"admin": ("robot", token), "editor": ("ella", token_of(app, "ella")),
              "moderator": ("mona", token_of(app, "mona", "moderator"))}
    with app.app_context():
        Group.create(name="Bureau")
        _neighbours()
        PageViewDay.create(day=date.today(), page="accueil", views=3)
        party = service.open_party({"name": "Fête du wiki", "place": "Redon", "starts": utcnow(),
                                    "ends": utcnow() + timedelta(hours=2)})
        RevertBatch.create(actor="robot", kind="pseudonym", value="Maëlle", target="pseudonym Maëlle",
                           start=utcnow() - timedelta(days=1), end=utcnow())
    app.config["TEST_URL_VALUES"] = {
        "name": "troc-de-graines", "form_id": "agenda", "kind": "fiche", "item_id": "troc-de-graines",
        "account_id": 2, "group_id": 1, "party_id": party.id, "batch_id": 1, "slug": "vues",
        "pseudonym": "Maëlle", "prefix": "abcdef", "watch_id": 1, "token_id": 1}

    def someone(role, session=True):
        username, api = people[role]
        client = signed_in(app, username, role) if session else app.test_client()
        return Someone(client, csrf_token(client, "/compte" if session else "/connexion"), api, session)
    return someone


def _neighbours():
    """A follower waiting, a territory followed, a block of each kind, a common held, one removed."""
    from federation.models import BlockedActor, BlockedDomain, Follower, Following, RemoteObject, RemovedObject
    actor = "https://lormes.example/acteurs/lormes"
    Follower.create(local="territoire-de-test", actor=actor, inbox=f"{actor}/inbox", follow_id=f"{actor}#f",
                    status="pending")
    Following.create(local="territoire-de-test", actor=actor, follow_id="http://wiki.test/ap/f/1")
    BlockedDomain.create(domain="spam.example", reason="spam")
    BlockedActor.create(url="https://bad.example/acteurs/x")
    RemoteObject.create(object_id="https://lormes.example/o/1", type="Article", origin=actor, name="Un commun",
                        summary="Un résumé", document="{}", held=True)
    RemovedObject.create(object_id="https://lormes.example/o/2", page="un-autre-commun", by="mona", reason="hors sujet")


def forbidden_links(app, html, role) -> set[str]:
    """The links of a page that would answer 403 to someone of `role` (editor, moderator, admin)."""
    adapter, bad = app.url_map.bind("wiki.test"), set()
    for href in set(re.findall(r'href="(/[^"#?]*)', html)):
        try:
            endpoint, _args = adapter.match(unquote(href), method="GET")
        except HTTPException:           # not a page (a redirect to add a slash, a POST-only route)
            continue
        need = role_of(app, endpoint)
        if need in ORDER and ORDER.index(role) < ORDER.index(need):
            bad.add(href)
    return bad


@pytest.fixture
def state(app, instance_dir):
    """state(): every table's rows and the instance's files; not page views nor when a token was
    last used (both written by any request)."""
    from federation.models import ALL_MODELS as FEDERATION
    from wiki.models import ALL_MODELS
    from wiki.stats.models import PageViewDay

    def snapshot():
        with app.app_context():
            tables = {m._meta.table_name: sorted(map(repr, m.select(*[
                f for f in m._meta.sorted_fields if f.name != "last_used"]).tuples()))
                for m in ALL_MODELS + FEDERATION if m is not PageViewDay}
        files = {str(p.relative_to(instance_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in instance_dir.rglob("*") if p.is_file() and not p.name.startswith("bocage.db")
                 and "search" not in p.parts}
        return tables, files
    return snapshot


def same(before, after):
    """Assert two states are equal, naming what differs."""
    changed = {k for part in (0, 1) for k in before[part].keys() | after[part].keys()
               if before[part].get(k) != after[part].get(k)}
    assert not changed, {k: (before[0].get(k) or before[1].get(k), after[0].get(k) or after[1].get(k))
                         for k in changed}


def refused(r, status):
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    assert "error" in r.get_json()


# -- the map of routes -------------------------------------------------------------------------
def test_every_route_is_public_or_asks_a_role_and_every_admin_route_asks_one(app):
    assert unmarked(app) == set()
    assert PUBLIC <= set(app.view_functions), PUBLIC - set(app.view_functions)   # no stale name
    admin_paths = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/admin")}
    assert {e for e in admin_paths if role_of(app, e) not in ("moderator", "admin")} == {"admin.sign_in"}


def test_a_new_route_without_a_decorator_is_caught(app, client):
    app.add_url_rule("/admin/nouveau", "nouveau", lambda: "ouvert à tous")
    app.add_url_rule("/admin/garde", "garde", admin_required(lambda: "gardé"))
    assert unmarked(app) == {"nouveau"}
    assert client.get("/admin/garde").headers["Location"] == "/connexion?next=/admin/garde"


def test_moderators_and_admins_routes_are_the_ones_decided(app):
    for rule in app.url_map.iter_rules():
        role = role_of(app, rule.endpoint)
        if role in ("moderator", "admin"):
            blueprint = rule.endpoint.partition(".")[0]
            expected = "moderator" if blueprint in MODERATORS and rule.endpoint not in ADMINS_ONLY else "admin"
            assert role == expected, rule.endpoint


# -- who gets what -----------------------------------------------------------------------------
def test_visitors_are_sent_to_sign_in_or_get_401_in_json(app, client, world, state):
    token = csrf_token(client, "/connexion")
    before = state()
    found = routes(app, *ROLES)
    assert len(found) > 60
    for method, path, _endpoint in found:
        data = {"csrf_token": token, **PAYLOAD} if method != "GET" else None
        if not path.startswith("/api/"):
            r = client.open(path, method=method, data=data)
            assert r.status_code == 302, (method, path, r.status_code)
            expected = f"/connexion?next={path}" if method == "GET" else "/connexion?next=/"
            assert unquote(r.headers["Location"]) == expected, (method, path)
        refused(client.open(path, method=method, data=data, headers=JSON), 401)
    refused(client.get("/admin", headers={"Authorization": "Bearer pas-un-jeton"}), 401)
    same(before, state())


@pytest.mark.parametrize("session", [True, False], ids=["signed-in", "api-token"])
def test_editors_get_403_and_change_nothing(app, world, state, session):
    """Signed in, or with their API token (then always JSON: a script reads no HTML)."""
    ella = world("editor", session)
    if session:
        for path in ("/wiki/accueil", "/recent", "/compte", "/fiches/agenda", "/contributions/ella"):
            assert forbidden_links(app, ella.ask("GET", path).get_data(as_text=True), "editor") == set(), path
    before = state()
    for method, path, endpoint in routes(app, "moderator", "admin"):
        r = ella.ask(method, path, data=PAYLOAD)
        assert r.status_code == 403, (method, path, r.status_code)
        if not session or path.startswith("/api/"):
            refused(r, 403)
        refused(ella.ask(method, path, json=True, data=PAYLOAD), 403)
    same(before, state())


def test_moderators_use_their_routes_and_get_403_on_the_admins(app, world, state):
    mona = world("moderator")
    before = state()
    for method, path, _endpoint in routes(app, "admin"):
        assert mona.ask(method, path, data=PAYLOAD).status_code == 403, (method, path)
        refused(mona.ask(method, path, json=True, data=PAYLOAD), 403)
    same(before, state())
    mine = routes(app, "moderator")
    for method, path, endpoint in mine:
        r = mona.ask(method, path)
        expected = {200} if method == "GET" else {200, 302, 303, 400, 404, 409}
        assert r.status_code in expected, (method, path, r.status_code, r.get_data(as_text=True)[:500])
        if method == "GET":         # and no link there leads a moderator to a 403
            assert forbidden_links(app, r.get_data(as_text=True), "moderator") == set(), path


def test_admins_see_every_page_and_no_action_breaks(app, world):
    """Every page of every role, in the admin's hands: 200 (a broken template would be a 500)."""
    robot = world("admin")
    found = routes(app, *ROLES)
    for method, path, _endpoint in found:
        if method == "GET":
            r = robot.ask(method, path)
            assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:800])
    html = robot.ask("GET", "/admin/statistiques").get_data(as_text=True)
    ticks = re.findall(r'text-anchor="end" fill="#6b7165"[^>]*>([^<]*)<', html)     # the charts' axes
    assert ticks and all(t.isdigit() for t in ticks), ticks      # 3 views: 0, 2, 4 (was 0, 1.5, 3)
    for method, path, _endpoint in found:
        if method != "GET":         # empty forms: refused as invalid, never a crash
            r = robot.ask(method, path)
            assert r.status_code in {200, 302, 303, 400, 404, 409}, (method, path, r.status_code)
