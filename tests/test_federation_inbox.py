"""Federation, milestone 2: the inbox takes signed activities and refuses hostile ones.

The remote server is a real HTTP server on 127.0.0.1 (federation_helpers.FakeRemote); requests
are signed as Mastodon signs them (draft-cavage, hs2019), without our code.
"""
import json
import logging
from email.utils import formatdate
import time

import pytest

from federation.models import Delivery, Follower, OutboxActivity, RemoteActor, RemoteObject, SeenActivity
from federation_helpers import RemoteKey, sign_request

INBOX = "http://localhost/ap/inbox"
OURS = "https://wiki.test/ap/actors/territoire-de-test"


@pytest.fixture
def instance_dir(federated):
    return federated(rate_limit_per_minute=20)


def follow(remote, n=1, **extra):
    actor = f"{remote.base}/users/alice"
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{remote.base}/activities/follow-{n}",
            "type": "Follow", "actor": actor, "object": OURS, **extra}


def post(client, key, remote, activity, *, url=INBOX, key_id=None, date=None, body=None, tamper=None):
    body = body if body is not None else json.dumps(activity).encode()
    headers = sign_request(key, key_id or f"{remote.base}/users/alice#main-key", "POST", url, body, date=date)
    if tamper:
        tamper(headers)
    return client.post(url.removeprefix("http://localhost"), data=body, headers=headers)


def test_a_signed_follow_is_accepted_and_answered(app, client, key, remote):
    response = post(client, key, remote, follow(remote))
    assert response.status_code == 202, response.get_data(as_text=True)
    with app.app_context():
        row = Follower.get()
        assert (row.local, row.actor, row.status) == ("territoire-de-test", f"{remote.base}/users/alice", "accepted")
        assert row.inbox == f"{remote.base}/inbox"                 # the shared inbox
        assert RemoteActor.get().key_id == f"{remote.base}/users/alice#main-key"
        delivery = Delivery.get()
        assert delivery.inbox == f"{remote.base}/users/alice/inbox" and delivery.signer == "territoire-de-test"
    # the key fetch was a GET signed by our instance actor
    get = next(r for r in remote.requests if r[0] == "GET")
    assert 'keyId="https://wiki.test/ap/instance#main-key"' in get[2]["Signature"]
    followers = client.get("/ap/actors/territoire-de-test/followers?page=1",
                           headers={"Accept": "application/activity+json"}).get_json()
    assert followers["orderedItems"] == [f"{remote.base}/users/alice"]


def test_the_query_string_is_part_of_the_signed_target(client, key, remote):
    assert post(client, key, remote, follow(remote), url=INBOX + "?via=relay").status_code == 202


def test_an_unsigned_request_is_401(client, remote, caplog):
    with caplog.at_level(logging.WARNING, logger="federation.inbox"):
        response = client.post("/ap/inbox", data=json.dumps(follow(remote)),
                               headers={"Content-Type": "application/activity+json"})
    assert response.status_code == 401 and "no Signature header" in caplog.text


def test_a_forged_signature_is_401(app, client, key, remote, caplog):
    other = RemoteKey()
    with caplog.at_level(logging.WARNING, logger="federation.inbox"):
        response = post(client, other, remote, follow(remote))
    assert response.status_code == 401 and "does not verify" in caplog.text
    body = json.dumps(follow(remote)).encode()
    changed = post(client, key, remote, None, body=body,
                   tamper=lambda h: h.update(Digest="SHA-256=" + "A" * 43 + "="))
    assert changed.status_code == 401 and "Digest does not match" in caplog.text
    with app.app_context():
        assert Follower.select().count() == 0


def test_a_replay_is_applied_once_and_an_old_one_refused(app, client, key, remote):
    activity = follow(remote)
    body = json.dumps(activity).encode()
    headers = sign_request(key, f"{remote.base}/users/alice#main-key", "POST", INBOX, body)
    assert client.post("/ap/inbox", data=body, headers=headers).status_code == 202
    assert client.post("/ap/inbox", data=body, headers=headers).status_code == 202     # same: ignored
    with app.app_context():
        assert SeenActivity.select().count() == 1 and Delivery.select().count() == 1   # one Accept
    old = formatdate(time.time() - 3600, usegmt=True)
    assert post(client, key, remote, follow(remote, 2), date=old).status_code == 401


def test_the_key_owner_must_be_the_actor(app, client, key, remote):
    remote.add_actor("mallory", RemoteKey())
    pretending = follow(remote, actor=f"{remote.base}/users/mallory")
    assert post(client, key, remote, pretending).status_code == 401
    with app.app_context():
        assert Follower.select().count() == 0


def test_ids_on_another_host_are_refused(app, client, key, remote):
    elsewhere = follow(remote, id="https://other.example/activities/1")
    assert post(client, key, remote, elsewhere).status_code == 401
    create = {"id": f"{remote.base}/activities/c1", "type": "Create", "actor": f"{remote.base}/users/alice",
              "object": {"id": "https://wiki.test/wiki/accueil", "type": "Article", "name": "Pris"}}
    assert post(client, key, remote, create).status_code == 401
    with app.app_context():
        assert RemoteObject.select().count() == 0


def test_an_oversized_body_is_413(client, key, remote):
    big = follow(remote, summary="x" * 300 * 1024)
    assert post(client, key, remote, big).status_code == 413


def test_a_blocked_domain_is_403_and_nothing_is_fetched(app, client, key, remote):
    from federation import blocklist
    with app.app_context():
        blocklist.block("127.0.0.1", "tests")
    assert post(client, key, remote, follow(remote)).status_code == 403
    assert remote.requests == []


def test_an_actor_on_a_blocked_domain_is_403_whoever_signs(app, client, key, remote):
    from federation import blocklist
    with app.app_context():
        blocklist.block("blocked.example", "tests")
    assert post(client, key, remote, follow(remote, actor="https://blocked.example/users/eve")).status_code == 403


def test_signatures_are_checked_on_each_thread_again_and_again(tmp_path):
    """httpsig keeps one event loop per thread for bovine's verifier (not one per request)."""
    import threading
    from federation import httpsig, keys
    pair = keys.load_or_create(tmp_path)
    url, body, owner = "https://b.test/ap/inbox?x=1", b'{"type": "Like"}', "https://a.test/users/alice"
    headers = {k.lower(): v for k, v in httpsig.sign(pair.secret(f"{owner}#main-key"), "POST", url, body).items()}

    def check(sent=body):
        return httpsig.verify("POST", url, headers, sent, pair.public_pem, owner)
    assert [check(), check(b'{"type": "Forged"}'), check()] == [True, False, True]
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.extend([check(), check()]))
    thread.start()
    thread.join()
    assert elsewhere == [True, True]


def test_an_rfc9421_only_request_is_401_not_500(client, remote):
    response = client.post("/ap/inbox", data=json.dumps(follow(remote)), headers={
        "Content-Type": "application/activity+json",
        "Signature-Input": f'sig1=("@method" "@target-uri" "content-digest");created={int(time.time())};keyid="{remote.base}/users/alice#main-key"',
        "Signature": "sig1=:AAAA:"})
    assert response.status_code == 401


def test_too_many_activities_from_one_domain_are_429(client, key, remote):
    answers = [post(client, key, remote, follow(remote, n)).status_code for n in range(22)]
    assert answers[:20] == [202] * 20 and answers[20:] == [429, 429]


def test_unknown_fields_such_as_ld_signatures_are_ignored(client, key, remote):
    signed = follow(remote, signature={"type": "RsaSignature2017", "creator": "x", "signatureValue": "y"})
    assert post(client, key, remote, signed).status_code == 202


def test_an_undo_ends_the_follow(app, client, key, remote):
    activity = follow(remote)
    post(client, key, remote, activity)
    undo = {"id": f"{remote.base}/activities/undo-1", "type": "Undo", "actor": activity["actor"], "object": activity}
    assert post(client, key, remote, undo).status_code == 202
    with app.app_context():
        assert Follower.select().count() == 0


def _we_follow_alice(app, client, key, remote):
    """Our territory follows alice (our Follow, her signed Accept)."""
    from federation import remote as remote_actors
    from federation.activities.follow import follow as send_follow
    from federation.models import Following
    with app.test_request_context():
        row = send_follow("territoire-de-test", remote_actors.actor(f"{remote.base}/users/alice"))
        follow_id = row.follow_id
    accept = {"id": f"{remote.base}/activities/accept-1", "type": "Accept", "actor": f"{remote.base}/users/alice",
              "object": {"id": follow_id, "type": "Follow", "actor": OURS, "object": f"{remote.base}/users/alice"}}
    assert post(client, key, remote, accept).status_code == 202
    with app.app_context():
        assert Following.get().status == "accepted"


def _note(remote, n, **extra):
    return {"id": f"{remote.base}/objects/{n}", "type": "Article", "name": f"Article {n}",
            "content": "<p>Bonjour <script>alert(1)</script><b>voisins</b></p>", "attributedTo": f"{remote.base}/users/alice",
            "license": "CC BY 4.0", **extra}


def test_objects_from_a_followed_actor_are_kept_sanitized_and_only_their_origin_changes_them(app, client, key, remote):
    actor = f"{remote.base}/users/alice"
    create = {"id": f"{remote.base}/activities/c1", "type": "Create", "actor": actor, "object": _note(remote, 1)}
    assert post(client, key, remote, create).status_code == 202
    with app.app_context():
        assert RemoteObject.select().count() == 0            # not followed yet: not kept
    _we_follow_alice(app, client, key, remote)
    assert post(client, key, remote, create).status_code == 202     # the same activity counts now
    with app.app_context():
        kept = RemoteObject.get()
        assert kept.origin == actor and kept.licence == "CC BY 4.0" and kept.name == "Article 1"
        assert "<script>" not in kept.content and "<b>voisins</b>" in kept.content
    # mallory (same host, not the origin) may not change or delete it
    mallory_key = RemoteKey()
    remote.add_actor("mallory", mallory_key)
    mallory = f"{remote.base}/users/mallory"
    update = {"id": f"{remote.base}/activities/u1", "type": "Update", "actor": mallory,
              "object": _note(remote, 1, name="Volé")}
    assert post(client, mallory_key, remote, update, key_id=f"{mallory}#main-key").status_code == 202
    delete = {"id": f"{remote.base}/activities/d1", "type": "Delete", "actor": mallory, "object": f"{remote.base}/objects/1"}
    assert post(client, mallory_key, remote, delete, key_id=f"{mallory}#main-key").status_code == 202
    with app.app_context():
        assert RemoteObject.get().name == "Article 1" and not RemoteObject.get().deleted
    # the origin may
    update.update(id=f"{remote.base}/activities/u2", actor=actor)
    assert post(client, key, remote, update).status_code == 202
    delete.update(id=f"{remote.base}/activities/d2", actor=actor)
    with app.app_context():
        assert RemoteObject.get().name == "Volé"
    assert post(client, key, remote, delete).status_code == 202
    with app.app_context():
        assert RemoteObject.get().deleted


def test_two_workers_storing_the_same_new_object_or_actor_at_once_is_no_500(app, client, key, remote, monkeypatch):
    """Seen in bench/federation.py: a Create and its Update at once in two gunicorn workers both
    found no row and both inserted; the loser was a 500 after its id was marked seen (lost)."""
    from federation import remote as remote_actors
    _we_follow_alice(app, client, key, remote)
    actor = f"{remote.base}/users/alice"
    create = {"id": f"{remote.base}/activities/c1", "type": "Create", "actor": actor,
              "object": _note(remote, 1, updated="2026-11-30T10:00:00Z")}
    assert post(client, key, remote, create).status_code == 202
    real = RemoteObject.get_or_none
    calls = []

    def not_yet_visible(*args):          # the first look misses the row the other worker inserted
        calls.append(args)
        return None if len(calls) == 1 else real(*args)
    monkeypatch.setattr(RemoteObject, "get_or_none", not_yet_visible)
    update = {"id": f"{remote.base}/activities/u1", "type": "Update", "actor": actor,
              "object": _note(remote, 1, name="Nouveau nom", updated="2026-12-01T10:00:00Z")}
    assert post(client, key, remote, update).status_code == 202
    monkeypatch.setattr(RemoteObject, "get_or_none", real)
    stale = {**create, "id": f"{remote.base}/activities/c1-late"}       # the Create, after its Update
    assert post(client, key, remote, stale).status_code == 202
    with app.app_context():
        assert RemoteObject.get().name == "Nouveau nom" and RemoteObject.select().count() == 1
        doc = json.loads(RemoteActor.get().document)
        monkeypatch.setattr(RemoteActor, "get_or_none", lambda *args: None)
        assert remote_actors._store(doc).url == actor and RemoteActor.select().count() == 1


def test_an_activity_that_fails_while_applied_is_not_marked_seen(app, client, key, remote, monkeypatch):
    from federation import activities

    def broken(*args):
        raise RuntimeError("a bug")
    monkeypatch.setattr(activities, "handle", broken)
    assert post(client, key, remote, follow(remote)).status_code == 500
    monkeypatch.undo()
    assert post(client, key, remote, follow(remote)).status_code == 202      # the retry is applied
    with app.app_context():
        assert Follower.select().count() == 1


def test_events_in_mobilizon_and_gancio_shapes_are_kept(app, client, key, remote):
    _we_follow_alice(app, client, key, remote)
    actor = f"{remote.base}/users/alice"
    mobilizon = {"id": f"{remote.base}/events/1", "type": "Event", "name": "Atelier vélo", "startTime": "2027-04-02T18:00:00+02:00",
                 "endTime": "2027-04-02T20:00:00+02:00", "timezone": "Europe/Paris", "attributedTo": actor,
                 "to": ["https://www.w3.org/ns/activitystreams#Public"], "joinMode": "free",
                 "location": {"type": "Place", "name": "Atelier", "latitude": 47.1, "longitude": 3.9,
                              "address": {"type": "PostalAddress", "addressLocality": "Lormes"}}}
    gancio = {"id": f"{remote.base}/federation/m/2", "type": "Event", "name": "Concert", "startTime": "2027-05-01T21:00:00Z",
              "attributedTo": actor, "summary": "Salle des fêtes, 1 mai", "url": f"{remote.base}/event/concert",
              "location": [{"type": "Place", "name": "Salle", "latitude": "999", "longitude": "3"}],
              "tag": [{"type": "Hashtag", "name": "#musique"}]}
    for n, event in enumerate((mobilizon, gancio)):
        wrapped = {"id": f"{remote.base}/activities/e{n}", "type": "Create", "actor": actor, "object": event}
        assert post(client, key, remote, wrapped).status_code == 202
    with app.app_context():
        kept = {o.name: o for o in RemoteObject.select()}
    assert str(kept["Atelier vélo"].starts) == "2027-04-02 16:00:00" and kept["Atelier vélo"].lat == 47.1
    assert kept["Concert"].lat is None                      # latitude 999: refused, not swapped in
    assert kept["Concert"].url == f"{remote.base}/event/concert"


def test_manual_follow_requests_wait_for_an_admin(app, client, key, remote, instance_dir):
    from federation.activities.follow import decide
    from federation.config import Settings
    app.extensions["bocage.federation"].settings = Settings(accept_follows="manual", allow_private_addresses=True)
    assert post(client, key, remote, follow(remote)).status_code == 202
    actor = client.get("/ap/actors/territoire-de-test", headers={"Accept": "application/activity+json"}).get_json()
    assert actor["manuallyApprovesFollowers"] is True
    with app.app_context():
        assert Follower.get().status == "pending" and Delivery.select().count() == 0
    with app.test_request_context():
        assert decide("territoire-de-test", f"{remote.base}/users/alice", accept=True)
    with app.app_context():
        assert Follower.get().status == "accepted"
        assert json.loads(OutboxActivity.get().document)["type"] == "Accept"


def test_the_commons_page_shows_what_neighbours_share(app, client, key, remote):
    _we_follow_alice(app, client, key, remote)
    actor = f"{remote.base}/users/alice"
    shared = [_note(remote, 1, name="Jardin des voisins", summary="Un potager <b>ouvert</b>"),
              _note(remote, 2, name="Piège", url="javascript:alert(1)"),
              _note(remote, 3, name="Retiré")]
    for n, obj in enumerate(shared):
        post(client, key, remote, {"id": f"{remote.base}/activities/s{n}", "type": "Create", "actor": actor, "object": obj})
    post(client, key, remote, {"id": f"{remote.base}/activities/del", "type": "Delete", "actor": actor,
                               "object": f"{remote.base}/objects/3"})
    html = client.get("/communs").get_data(as_text=True)
    assert "Communs des territoires voisins" in html and "Jardin des voisins" in html and "Alice" in html
    assert "CC BY 4.0" in html and "Retiré" not in html
    assert "javascript:" not in html and f'href="{remote.base}/objects/2"' in html
    assert "<b>ouvert</b>" not in html                       # a summary is plain text
    assert 'href="/wiki/alice-jardin-des-voisins"' in html  # the local copy, marked with its territory
    assert 'href="/communs"' in client.get("/wiki/accueil").get_data(as_text=True)      # in the menu
    assert "Jardin des voisins" in client.get("/communs?territoire=Alice").get_data(as_text=True)
    other = client.get("/communs?territoire=Ailleurs").get_data(as_text=True)
    assert "Jardin des voisins" not in other


def test_bovine_jsonld_and_its_network_loader_are_never_imported(client, key, remote):
    import sys
    post(client, key, remote, follow(remote))
    assert "bovine.jsonld" not in sys.modules


def test_unfollowing_sends_undo_of_our_follow(app, client, key, remote):
    from federation import remote as remote_actors
    from federation.activities.follow import unfollow
    from federation.models import Following
    _we_follow_alice(app, client, key, remote)
    with app.test_request_context():
        assert unfollow("territoire-de-test", remote_actors.actor(f"{remote.base}/users/alice"))
        follow_id = json.loads(OutboxActivity.get(OutboxActivity.type == "Follow").document)["id"]
        undo = json.loads(OutboxActivity.get(OutboxActivity.type == "Undo").document)
        assert undo["object"] == {"id": follow_id, "type": "Follow", "actor": OURS, "object": f"{remote.base}/users/alice"}
        assert Following.select().count() == 0
        assert Delivery.select().where(Delivery.inbox == f"{remote.base}/users/alice/inbox").count() == 2
        assert not unfollow("territoire-de-test", remote_actors.actor(f"{remote.base}/users/alice"))


def test_blocking_a_domain_blocks_its_subdomains_and_ports_only(app):
    from federation import blocklist
    with app.app_context():
        assert blocklist.block("Example.org.") and not blocklist.block("example.org")
        assert blocklist.is_blocked("a.b.example.org") and blocklist.is_blocked("example.org:8443")
        assert not blocklist.is_blocked("badexample.org") and not blocklist.is_blocked("example.org.evil")
        assert blocklist.unblock("example.org") and not blocklist.is_blocked("a.example.org")


def test_by_default_received_content_is_kept_by_the_worker(app, client, key, remote, instance_dir):
    """inbox_processing = "deferred" (the default): the inbox checks, answers 202 and queues;
    the worker keeps the common (a page: a revision and a search-index commit, not in the request)."""
    from federation import worker
    from federation.config import Settings
    from federation.models import InboxQueue
    _we_follow_alice(app, client, key, remote)
    app.extensions["bocage.federation"].settings = Settings(allow_private_addresses=True)
    assert Settings().inbox_processing == "deferred"
    actor = f"{remote.base}/users/alice"
    create = {"id": f"{remote.base}/activities/q1", "type": "Create", "actor": actor, "object": _note(remote, 7)}
    assert post(client, key, remote, create).status_code == 202
    with app.app_context():
        assert InboxQueue.select().count() == 1 and not RemoteObject.select().exists()
    assert post(client, key, remote, create).status_code == 202          # seen: not queued twice
    worker.run_once(app)
    with app.app_context():
        assert InboxQueue.select().count() == 0 and RemoteObject.get().name == "Article 7"
    stranger = {"id": f"{remote.base}/activities/q2", "type": "Create", "actor": f"{remote.base}/users/bob",
                "object": {**_note(remote, 8), "attributedTo": f"{remote.base}/users/bob"}}
    assert post(client, key, remote, stranger, key_id=f"{remote.base}/users/bob#main-key").status_code == 202
    worker.run_once(app)
    with app.app_context():                       # bob is not followed: ignored, and not marked seen
        assert RemoteObject.select().count() == 1
        assert not SeenActivity.select().where(SeenActivity.activity_id == stranger["id"]).exists()
