"""A bulk import is announced by the delivery worker, not by the import: the import's changes
wait in announce_queue; `bocage worker` (here its loop, once) builds the activities and queues
their deliveries. The real app, a CSV import, a follower on a real server on 127.0.0.1."""
import json

import pytest

from federation import worker
from federation.models import AnnounceQueue, Delivery, OutboxActivity
from federation.publish import QUEUE_FROM
from federation_helpers import follow_us
from tests_helpers import territory
from wiki.fiches.csvio import import_csv

SLUG = "territoire-de-test"


@pytest.fixture
def instance_dir(tmp_path):
    from federation_helpers import federation_settings
    path = territory(tmp_path)
    federation_settings(path, allow_private_addresses=True)
    return path


def csv_of(n):
    return "titre,commune\n" + "".join(f"Initiative {i},\n" for i in range(n))


def counts(app):
    with app.app_context():
        creates = [json.loads(a.document)["actor"].rsplit("/", 1)[1]
                   for a in OutboxActivity.select().where(OutboxActivity.type == "Create")]
        return AnnounceQueue.select().count(), sorted(set(creates)), len(creates)


def test_a_big_import_waits_for_the_worker_then_goes_out(app, client, key, remote, within):
    follow_us(client, key, remote, "alice", SLUG)
    n = QUEUE_FROM + 5
    with within():
        report = import_csv(app.extensions["bocage.catalogue"].form("initiatives"), csv_of(n), apply=True)
    assert len(report.created) == n and not report.errors
    assert counts(app) == (n, [], 0)                  # saved and listed; nothing built yet
    worker.run_once(app)
    queued, actors, creates = counts(app)
    assert queued == 0 and actors == ["initiatives", SLUG] and creates == 2 * n   # territory and form
    with app.app_context():
        to_alice = Delivery.select().where(Delivery.inbox == f"{remote.base}/inbox").count()
    assert to_alice == n               # each fiche, from the territory alice follows, to her shared inbox
    for _round in range(20):          # a few rows per server and round (delivery.claim)
        if not worker.run_once(app):
            break
    assert len([r for r in remote.received if json.loads(r[2])["type"] == "Create"]) == n


def test_a_small_import_is_announced_at_once(app, client, key, remote, within):
    follow_us(client, key, remote, "alice", SLUG)
    with within():
        import_csv(app.extensions["bocage.catalogue"].form("initiatives"), csv_of(3), apply=True)
    assert counts(app) == (0, ["initiatives", SLUG], 6)
