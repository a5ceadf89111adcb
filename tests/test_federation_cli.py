"""Federation commands: keys at `bocage init`, the block list, and `bocage worker` killed in the
middle of a fan-out (nothing lost)."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

import conftest
from federation_helpers import FakeRemote, federation_settings

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(bool(conftest.POSTGRES), reason="reads the SQLite file")


def bocage(*args, timeout=60):
    env = {k: v for k, v in os.environ.items() if k != "BOCAGE_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "wiki.cli", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def folder(tmp_path):
    result = bocage("init", tmp_path / "t", "--name", "Territoire", "--domain", "wiki.test")
    assert result.returncode == 0, result.stderr
    return tmp_path / "t"


def db(folder):
    return closing(sqlite3.connect(folder / "data" / "bocage.db"))


def test_init_makes_the_key(folder):
    key = folder / "data" / "federation-key.pem"
    assert key.is_file() and key.stat().st_mode & 0o077 == 0


def test_the_block_list(folder):
    assert bocage("block", folder, "spam.example", "--reason", "spam").returncode == 0
    listed = bocage("block", folder)
    assert "spam.example\tspam" in listed.stdout
    assert bocage("block", folder, "spam.example", "--remove").stdout.startswith("unblocked")
    assert bocage("block", folder).stdout == ""


def test_a_killed_worker_loses_nothing(folder):
    federation_settings(folder, allow_private_addresses=True, delivery_lease_seconds=2)
    sink = FakeRemote()
    sink.inbox_delay = 0.3
    try:
        with db(folder) as conn:
            conn.execute("INSERT INTO outbox_activity (uid, local, type, object_id, document, published) "
                         "VALUES ('u1', 'territoire', 'Create', 'x', ?, '2027-01-01')",
                         (json.dumps({"id": "https://wiki.test/ap/activities/u1", "type": "Create"}),))
            conn.executemany("INSERT INTO delivery (activity, inbox, signer, status, attempts, next_attempt, "
                             "last_error, created) VALUES (1, ?, 'territoire', 'pending', 0, '2000-01-01', '', "
                             "'2099-01-01')", [(f"{sink.base}/inbox/{n}",) for n in range(40)])
            conn.commit()
        env = {k: v for k, v in os.environ.items() if k != "BOCAGE_DATABASE_URL"}
        worker = subprocess.Popen([sys.executable, "-m", "wiki.cli", "worker", str(folder)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while len(sink.received) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)                  # in the middle of the fan-out
        worker.wait(timeout=10)
        with db(folder) as conn:
            left = conn.execute("SELECT count(*) FROM delivery WHERE status = 'pending'").fetchone()[0]
        assert 0 < left < 40
        time.sleep(2.2)                                     # the leases of the killed worker run out
        again = bocage("worker", folder, "--once")
        assert again.returncode == 0 and again.stdout != "0 deliveries handled.\n", again.stdout + again.stderr
        with db(folder) as conn:
            statuses = dict(conn.execute("SELECT status, count(*) FROM delivery GROUP BY status").fetchall())
        assert statuses == {"done": 40}
        assert {path for path, _h, _b in sink.received} == {f"/inbox/{n}" for n in range(40)}
    finally:
        sink.close()
