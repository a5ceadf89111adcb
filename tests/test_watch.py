"""Watching pages and forms: the button, /compte/suivis, the secret Atom feed (what the watcher
may still read, nothing else), and e-mail to watchers but never to the author of the change."""
import re
from email import message_from_bytes, policy

import pytest

from conftest import PEOPLE_PASSWORD, set_rule, csrf_token, sign_in
from tests_helpers import get, make_page, territory
from wiki.moderation.models import Watch, WatchFeed

PASSWORD = PEOPLE_PASSWORD


@pytest.fixture
def instance_dir(tmp_path):
    return territory(tmp_path)






def press(client, path, target):
    """Press the Watch / Stop watching button of a page as a browser would."""
    html = get(client, path)
    form = re.search(r'<form method="post" action="/suivre".*?</form>', html, re.S).group(0)
    assert f'value="{target}"' in form
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    r = client.post("/suivre", data=data)
    assert r.status_code == 302 and r.headers["Location"] == path
    return form


def feed_url(client):
    html = get(client, "/compte/suivis")
    return re.search(r'id="feed-url" readonly value="http://[^/]+(/suivis/[^"]+\.atom)"', html).group(1)


def save(client, name, source):
    html = get(client, f"/wiki/{name}/edit")
    base = re.search(r'name="base_revision" value="([^"]*)"', html).group(1)
    r = client.post(f"/wiki/{name}/edit", data={"csrf_token": csrf_token(client), "source": source,
                                                "base_revision": base})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]


def test_watch_button_list_and_feed(app, admin, people, add):
    make_page(admin, "jardin", "# Jardin\n\nLes légumes.\n")
    make_page(admin, "verger", "# Verger\n\nLes pommes.\n")
    alice = people("alice")
    assert "Watch" in press(alice, "/wiki/jardin", "page:jardin")
    assert "Watch" in press(alice, "/fiches/initiatives", "form:initiatives")
    assert "Stop watching" in get(alice, "/fiches/initiatives")
    assert Watch.select().count() == 2
    assert "Stop watching" in get(alice, "/wiki/jardin")
    mine = get(alice, "/compte/suivis")
    assert "Jardin" in mine and "Initiatives" in mine
    save(admin, "jardin", "# Jardin\n\nLes légumes et les fleurs.\n")
    save(admin, "verger", "# Verger\n\nLes poires.\n")
    add("initiatives", titre="Vélo-école")
    url = feed_url(alice)
    visitor = app.test_client()                      # a feed reader: no cookie
    atom = get(visitor, url)
    assert "Jardin" in atom and "Vélo-école" in atom and "Verger" not in atom
    assert visitor.get("/suivis/pas-le-bon-jeton.atom").status_code == 404
    assert visitor.get("/suivis/" + "x" * 300 + ".atom").status_code == 404
    assert visitor.get("/suivis/a%00b.atom").status_code == 404
    # stop watching; the page drops out of the feed
    press(alice, "/wiki/jardin", "page:jardin")
    assert "Jardin" not in get(visitor, url)
    # a new address: the old one stops working
    r = alice.post("/compte/suivis/flux", data={"csrf_token": csrf_token(alice, "/compte/suivis")})
    assert r.status_code == 302 and visitor.get(url).status_code == 404
    assert get(visitor, feed_url(alice))


def test_feed_leaves_out_pages_that_became_private(app, admin, people):
    make_page(admin, "bureau", "# Bureau\n\nOrdre du jour.\n")
    alice = people("alice")
    press(alice, "/wiki/bureau", "page:bureau")
    save(admin, "bureau", "# Bureau\n\nOrdre du jour secret.\n")
    url = feed_url(alice)
    assert "Bureau" in get(app.test_client(), url)
    set_rule(app, "page:bureau", read="admins", edit="admins")
    assert "Bureau" not in get(app.test_client(), url)


def test_watching_needs_an_account_and_csrf(app, admin, people):
    make_page(admin, "jardin")
    visitor = app.test_client()
    assert 'action="/suivre"' not in get(visitor, "/wiki/jardin")
    r = visitor.post("/suivre", data={"target": "page:jardin"})
    assert r.status_code in (302, 400) and Watch.select().count() == 0
    alice = people("alice")
    r = alice.post("/suivre", data={"target": "page:jardin"})          # no CSRF token
    assert r.status_code == 400 and Watch.select().count() == 0
    assert visitor.get("/compte/suivis").status_code == 302
    # nothing to watch: a missing page, a private one, a form that does not exist
    set_rule(app, "page:secret", read="admins", edit="admins")
    make_page(admin, "secret")
    for target in ("page:nulle-part", "page:secret", "form:martiens", "page:../../x", "rien"):
        r = alice.post("/suivre", data={"csrf_token": csrf_token(alice, "/wiki/jardin"), "target": target,
                                        "next": "https://ailleurs.example/"})
        assert r.status_code == 302 and "ailleurs" not in r.headers["Location"]
    assert Watch.select().count() == 0
    # someone else's watch cannot be changed
    admin_watch = Watch.create(account=1, target="page:jardin")
    alice.post(f"/compte/suivis/{admin_watch.id}", data={"csrf_token": csrf_token(alice, "/compte/suivis"),
                                                        "action": "stop"})
    assert Watch.select().count() == 1


def test_mail_goes_to_watchers_not_to_the_author(app, admin, people, instance_dir):
    pytest.importorskip("wiki.mail")
    make_page(admin, "jardin", "# Jardin\n\nLes légumes.\n")
    alice = people("alice", email="alice@exemple.org")
    bob = people("bob", email="bob@exemple.org")
    for client in (alice, bob):
        press(client, "/wiki/jardin", "page:jardin")
    for watch in list(Watch.select()):     # read first: each request closes the connection
        client = alice if watch.account != bob_id(app) else bob
        r = client.post(f"/compte/suivis/{watch.id}", data={"csrf_token": csrf_token(client, "/compte/suivis"),
                                                           "email": "on"})
        assert r.status_code == 302
    assert Watch.select().where(Watch.email).count() == 2
    outbox = instance_dir / "data" / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    save(bob, "jardin", "# Jardin\n\nLes légumes et les fleurs.\n")
    sent = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in set(outbox.glob("*.eml")) - before]
    assert [m["To"] for m in sent] == ["alice@exemple.org"]
    assert "jardin/diff?to=" in sent[0].get_content()


def bob_id(app):
    from wiki.accounts.models import Account
    return Account.get(Account.username == "bob").id


def test_feed_token_is_per_account(app, people):
    alice, bob = people("alice"), people("bob")
    assert feed_url(alice) != feed_url(bob)
    assert WatchFeed.select().count() == 2
