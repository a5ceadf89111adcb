"""fediverse-pasture's `verify_actor` (PyPI) against a real instance on loopback: six personas
post to our inbox; the unsigned ones must be refused, the signed ones accepted (one of them only
if we fetch its key with a signed GET), and WebFinger must round-trip."""
import contextlib
import os
import subprocess
import sys
import time

import pytest
import requests

import conftest
from federation_helpers import Territory, free_port

pytest.importorskip("fediverse_pasture")
pytestmark = pytest.mark.skipif(bool(conftest.POSTGRES), reason="one SQLite instance is enough")


@pytest.fixture
def pasture(tmp_path):
    port = free_port()
    folder = tmp_path / "pasture"
    folder.mkdir()
    with open(tmp_path / "pasture.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "fediverse_pasture.verify_actor", "--port", str(port),
                                 "--domain", f"localhost:{port}"], cwd=folder, stdout=log,
                                stderr=subprocess.STDOUT, env={**os.environ})
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            requests.get(url + "/static/styles.css", timeout=1)
            break
        time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_verify_actor_passes(tmp_path, federation_key, pasture):
    territory = Territory(tmp_path, "Pays de Test", federation_key, host_name="localhost").start()
    try:
        answer = requests.get(pasture, params={"actor_uri": f"acct:{territory.slug}@{territory.host}"},
                              headers={"Accept": "application/json"}, timeout=120).json()
    finally:
        territory.stop()
    result = answer["result"]
    assert result["webfinger"] is True, answer["messages"]
    assert all(result[name]["get_actor"] for name in ("alice", "bob", "claire", "dean", "emily", "frank"))
    assert not result["alice"]["post_inbox"] and not result["dean"]["post_inbox"], answer["messages"]   # unsigned
    assert all(result[name]["post_inbox"] for name in ("bob", "claire", "emily", "frank")), answer["messages"]
