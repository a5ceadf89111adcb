"""The admin's federation page (/admin/federation): follow a neighbour by handle or address, stop
following, answer and remove followers, block domains. The real app, the real forms with their
CSRF tokens, and another server on 127.0.0.1 (federation_helpers.FakeRemote) answering WebFinger
and serving its actor."""
import json
from urllib.parse import quote

import pytest

from conftest import csrf_token
from federation.models import BlockedDomain, Delivery, Follower, Following, OutboxActivity
from federation_helpers import federation_settings, follow_us

PAGE = "/admin/federation"
OURS = "territoire-de-test"
BASE = "http://wiki.test"          # scheme = "http": the remote server here is plain HTTP too


@pytest.fixture
def remote(remote, key):
    """conftest's remote server, with a territory `lormes` (a Group) that WebFinger finds."""
    remote.add_actor("lormes", key, type="Group")
    resource = quote(f"acct:lormes@{remote.host}")
    remote.documents[f"/.well-known/webfinger?resource={resource}"] = {
        "subject": f"acct:lormes@{remote.host}",
        "links": [{"rel": "self", "type": "application/activity+json", "href": f"{remote.base}/users/lormes"}]}
    return remote


@pytest.fixture
def instance_dir(instance_dir):
    federation_settings(instance_dir, scheme="http", allow_private_addresses=True, accept_follows="manual")
    return instance_dir


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, PAGE), **data})


def sent(app, type_):
    """The activities of this type queued for delivery: (document, inbox)."""
    with app.app_context():
        return [(json.loads(a.document), d.inbox) for a in OutboxActivity.select().where(OutboxActivity.type == type_)
                for d in Delivery.select().where(Delivery.activity == a.id)]


@pytest.mark.parametrize("path", [PAGE + "/suivre", PAGE + "/ne-plus-suivre", PAGE + "/abonnes", PAGE + "/blocages"])
def test_strangers_are_sent_to_sign_in_and_change_nothing(client, app, path):
    assert client.get(PAGE).status_code == 302
    token = csrf_token(client, "/connexion")
    r = client.post(path, data={"csrf_token": token, "handle": "@x@example.org", "domain": "example.org",
                                "actor": "https://example.org/a", "decision": "reject"})
    assert r.status_code == 302 and "/connexion" in r.headers["Location"]
    with app.app_context():
        assert not Following.select().exists() and not BlockedDomain.select().exists()


def test_the_admin_home_links_the_federation_page(admin):
    assert f'href="{PAGE}"' in admin.get("/admin").get_data(as_text=True)


def test_csrf_is_checked(admin, app):
    assert admin.post(PAGE + "/blocages", data={"domain": "example.org"}).status_code == 400
    with app.app_context():
        assert not BlockedDomain.select().exists()


@pytest.mark.parametrize("how", ["handle", "url"])
def test_following_by_handle_or_address_sends_a_follow(admin, app, remote, how):
    handle = f"@lormes@{remote.host}" if how == "handle" else f"{remote.base}/users/lormes"
    r = post(admin, PAGE + "/suivre", handle=handle, local="")
    assert r.status_code == 302
    page = admin.get(PAGE).get_data(as_text=True)
    assert "The follow request is sent" in page and "Lormes" in page and "waiting for an answer" in page
    with app.app_context():
        row = Following.get()
        assert (row.local, row.actor, row.status) == (OURS, f"{remote.base}/users/lormes", "pending")
    [(doc, inbox)] = sent(app, "Follow")
    assert doc["object"] == f"{remote.base}/users/lormes" and inbox == f"{remote.base}/users/lormes/inbox"


def test_a_form_of_ours_can_follow_too(admin, app, remote):
    post(admin, PAGE + "/suivre", handle=f"{remote.base}/users/lormes", local="agenda")
    with app.app_context():
        assert Following.get().local == "agenda"
    assert post(admin, PAGE + "/suivre", handle=f"{remote.base}/users/lormes", local="nope").status_code == 302
    with app.app_context():
        assert Following.select().count() == 1


@pytest.mark.parametrize("handle", ["lormes", "@nobody@127.0.0.1:9", "https://127.0.0.1:9/users/x"])
def test_an_address_that_cannot_be_followed_says_why_and_is_kept(admin, app, handle):
    r = post(admin, PAGE + "/suivre", handle=handle)
    page = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "could not be followed" in page
    assert f'name="handle" value="{handle}"' in page
    with app.app_context():
        assert not Following.select().exists()


def test_stopping_following_sends_an_undo(admin, app, remote):
    post(admin, PAGE + "/suivre", handle=f"{remote.base}/users/lormes")
    r = post(admin, PAGE + "/ne-plus-suivre", local=OURS, actor=f"{remote.base}/users/lormes")
    assert "no longer follow" in admin.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert not Following.select().exists()
    [(doc, inbox)] = sent(app, "Undo")
    assert doc["object"]["type"] == "Follow" and doc["object"]["object"] == f"{remote.base}/users/lormes"
    assert inbox == f"{remote.base}/users/lormes/inbox"
    r = post(admin, PAGE + "/ne-plus-suivre", local=OURS, actor=f"{remote.base}/users/lormes")
    assert "was not followed" in admin.get(r.headers["Location"]).get_data(as_text=True)


def test_a_follow_request_waits_and_the_admin_accepts_or_refuses(admin, app, client, key, remote):
    follow_us(client, key, remote, "lormes", OURS, base=BASE)
    follow_us(client, key, remote, "alice", OURS, base=BASE)
    page = admin.get(PAGE).get_data(as_text=True)
    assert page.count("waiting for your answer") == 2
    post(admin, PAGE + "/abonnes", local=OURS, actor=f"{remote.base}/users/lormes", decision="accept")
    post(admin, PAGE + "/abonnes", local=OURS, actor=f"{remote.base}/users/alice", decision="reject")
    with app.app_context():
        assert [(f.actor, f.status) for f in Follower.select()] == [(f"{remote.base}/users/lormes", "accepted")]
    assert [doc["object"]["actor"] for doc, _ in sent(app, "Accept")] == [f"{remote.base}/users/lormes"]
    assert [doc["object"]["actor"] for doc, _ in sent(app, "Reject")] == [f"{remote.base}/users/alice"]


def test_an_accepted_follower_can_be_removed(admin, app, client, key, remote):
    follow_us(client, key, remote, "lormes", OURS, base=BASE)
    post(admin, PAGE + "/abonnes", local=OURS, actor=f"{remote.base}/users/lormes", decision="accept")
    r = post(admin, PAGE + "/abonnes", local=OURS, actor=f"{remote.base}/users/lormes", decision="reject")
    assert "Follower removed" in admin.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert not Follower.select().exists()
    r = post(admin, PAGE + "/abonnes", local=OURS, actor=f"{remote.base}/users/lormes", decision="accept")
    assert "not known" in admin.get(r.headers["Location"]).get_data(as_text=True)


def test_blocking_and_unblocking_a_domain(admin, app, client, key, remote):
    r = post(admin, PAGE + "/blocages", domain=" Spam.Example.ORG ", reason="<b>pourriels</b>")
    page = admin.get(r.headers["Location"]).get_data(as_text=True)
    assert "spam.example.org is blocked" in page and "&lt;b&gt;pourriels&lt;/b&gt;" in page
    r = post(admin, PAGE + "/blocages", domain="not a domain/")
    assert "Write a domain name" in admin.get(r.headers["Location"]).get_data(as_text=True)
    post(admin, PAGE + "/blocages", domain="127.0.0.1")
    body = json.dumps({"id": f"{remote.base}/f", "type": "Follow", "actor": f"{remote.base}/users/lormes",
                       "object": f"http://wiki.test/ap/actors/{OURS}"}).encode()
    from federation_helpers import sign_request
    headers = sign_request(key, f"{remote.base}/users/lormes#main-key", "POST", "http://localhost/ap/inbox", body)
    assert client.post("/ap/inbox", data=body, headers=headers).status_code == 403
    post(admin, PAGE + "/blocages", domain="127.0.0.1", remove="1")
    with app.app_context():
        assert [b.domain for b in BlockedDomain.select()] == ["spam.example.org"]


def test_the_page_speaks_french(admin, app):
    admin.set_cookie("lang", "fr")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Suivre un territoire" in page and "Domaines bloqués" in page
