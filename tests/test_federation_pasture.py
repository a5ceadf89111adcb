"""fediverse-pasture's `verify_actor` (PyPI `fediverse-pasture`) against a real instance
(`bocage serve`, 2 gunicorn workers) on 127.0.0.1, private addresses allowed as in the other
tests. Its six personas post to our territory's inbox: alice and dean unsigned (to be refused),
bob and emily signed, claire and frank signed and serving their actor only to a signed GET (so we
must sign our key fetches); then WebFinger must round-trip to the same actor.

Two workers, not one: a sender that checks our signed GET fetches our instance actor while our
inbox waits for its key; with a single sync worker nobody would answer it (see the report in
bench/README.md, "Federation (issue 4)")."""
import contextlib
import subprocess
import sys
import time

import pytest
import requests

import conftest
from federation_helpers import Territory, free_port

pytest.importorskip("fediverse_pasture", reason="fediverse-pasture is not installed (pip install -e '.[dev]')")
pytestmark = pytest.mark.skipif(bool(conftest.POSTGRES), reason="a server process on its own SQLite database")

PASTURE = ("import sys; from fediverse_pasture.verify_actor import build_app; "
           "build_app(False, sys.argv[1], False, 20).run(host='127.0.0.1', port=int(sys.argv[2]))")


@pytest.fixture
def pasture(tmp_path):
    """verify_actor on 127.0.0.1 (not its default 0.0.0.0), in a folder of its own: it writes
    its personas' keys to data.toml in the current directory."""
    port, folder = free_port(), tmp_path / "pasture"
    folder.mkdir()
    log = open(folder / "pasture.log", "wb")
    proc = subprocess.Popen([sys.executable, "-c", PASTURE, f"127.0.0.1:{port}", str(port)], cwd=folder,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + "/", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError(f"verify_actor did not start:\n{(folder / 'pasture.log').read_text()[-3000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_verify_actor_passes(tmp_path, federation_key, pasture):
    territory = Territory(tmp_path, "Pays de Redon", federation_key)
    try:
        territory.start()                  # 2 workers (federation_helpers.Territory)
        answer = requests.get(pasture, params={"actor_uri": f"acct:{territory.slug}@{territory.host}"},
                              headers={"accept": "application/json"}, timeout=100)
        assert answer.status_code == 200, answer.text[:2000]
        result = answer.json()
        expected = {name: {"get_actor": True, "post_inbox": signed} for name, signed in
                    [("alice", False), ("bob", True), ("claire", True), ("dean", False), ("emily", True),
                     ("frank", True)]}
        assert result["result"] == {**expected, "webfinger": True}, result["messages"]
        log = territory.output()
        assert log.count("401 from 127.0.0.1: no Signature header") == 2     # alice's and dean's
    finally:
        territory.stop()
