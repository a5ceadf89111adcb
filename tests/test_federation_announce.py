"""Announce (Mobilizon relays, Gancio, FEP-1b12 groups): what a followed actor announces becomes
a common, but only what can be trusted — its own objects as embedded, any other fetched from its
own host. Real servers on 127.0.0.1 (federation_helpers.FakeRemote), signed as Mastodon signs."""
import pytest

from federation.models import RemoteObject
from federation_helpers import FakeRemote
from test_federation_inbox import _we_follow_alice, post

EVENT = {"type": "Event", "name": "Réparation de vélos", "startTime": "2027-04-03T14:00:00+02:00",
         "endTime": "2027-04-03T17:00:00+02:00", "timezone": "Europe/Paris",
         "content": "<p>Venez avec votre vélo <script>x()</script></p>",
         "location": {"type": "Place", "name": "Halle", "latitude": 47.3, "longitude": 3.8,
                      "address": {"type": "PostalAddress", "addressLocality": "Lormes"}}}


@pytest.fixture
def instance_dir(federated):
    return federated()


@pytest.fixture
def elsewhere():
    server = FakeRemote()
    yield server
    server.close()


def announce(remote, n, obj):
    actor = f"{remote.base}/users/alice"
    return {"id": f"{remote.base}/activities/announce-{n}", "type": "Announce", "actor": actor, "object": obj}


def commons(app):
    with app.app_context():
        return {r.object_id: r for r in RemoteObject.select()}


def test_an_announced_own_event_is_kept_as_embedded(app, client, key, remote):
    _we_follow_alice(app, client, key, remote)
    event = {**EVENT, "id": f"{remote.base}/events/1", "attributedTo": f"{remote.base}/users/alice"}
    assert post(client, key, remote, announce(remote, 1, event)).status_code == 202
    row = commons(app)[f"{remote.base}/events/1"]
    assert (row.type, row.name, row.origin) == ("Event", "Réparation de vélos", f"{remote.base}/users/alice")
    assert "<script>" not in row.content and row.lat == 47.3


def test_an_announced_activity_fep_1b12_is_applied(app, client, key, remote):
    _we_follow_alice(app, client, key, remote)
    event = {**EVENT, "id": f"{remote.base}/events/2"}
    create = {"id": f"{remote.base}/activities/c2", "type": "Create", "actor": f"{remote.base}/users/bob", "object": event}
    post(client, key, remote, announce(remote, 2, create))
    assert commons(app)[f"{remote.base}/events/2"].name == "Réparation de vélos"
    update = {"id": f"{remote.base}/activities/u2", "type": "Update", "object": {**event, "name": "Atelier vélo"}}
    post(client, key, remote, announce(remote, 3, update))
    assert commons(app)[f"{remote.base}/events/2"].name == "Atelier vélo"
    delete = {"id": f"{remote.base}/activities/d2", "type": "Delete", "object": event["id"]}
    post(client, key, remote, announce(remote, 4, delete))
    assert commons(app)[f"{remote.base}/events/2"].deleted


def test_an_object_of_another_host_is_fetched_from_there_not_taken_as_embedded(app, client, key, remote, elsewhere):
    _we_follow_alice(app, client, key, remote)
    real = {**EVENT, "id": f"{elsewhere.base}/events/9", "name": "Le vrai titre"}
    elsewhere.documents["/events/9"] = real
    forged = {**real, "name": "Un titre inventé"}
    post(client, key, remote, announce(remote, 5, forged))
    assert commons(app)[real["id"]].name == "Le vrai titre"
    fetch = next(r for r in elsewhere.requests if r[1] == "/events/9")
    assert "Signature" in fetch[2]                                   # a signed GET, as servers require
    post(client, key, remote, announce(remote, 6, f"{elsewhere.base}/events/404"))
    assert f"{elsewhere.base}/events/404" not in commons(app)


def test_announces_from_actors_we_do_not_follow_or_of_foreign_deletes_change_nothing(app, client, key, remote, elsewhere):
    event = {**EVENT, "id": f"{remote.base}/events/3"}
    post(client, key, remote, announce(remote, 7, event))
    assert commons(app) == {}
    _we_follow_alice(app, client, key, remote)
    elsewhere.documents["/events/4"] = {**EVENT, "id": f"{elsewhere.base}/events/4"}
    post(client, key, remote, announce(remote, 8, f"{elsewhere.base}/events/4"))
    delete = {"id": f"{remote.base}/activities/d4", "type": "Delete", "object": f"{elsewhere.base}/events/4"}
    post(client, key, remote, announce(remote, 9, delete))
    assert not commons(app)[f"{elsewhere.base}/events/4"].deleted
    for n, junk in enumerate([None, "javascript:alert(1)", {"type": "Create"}, 42]):
        assert post(client, key, remote, announce(remote, 10 + n, junk)).status_code == 202
