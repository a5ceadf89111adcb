"""Federation benchmark: one update fanned out to 1,000 inboxes, and the inbox's throughput of
signed activities. A benchmark, not a test: it prints figures (and writes them as JSON).

    .venv/bin/python bench/federation_bench.py [--inboxes 1000] [--activities 600] [--out bench/federation-results.json]

Only talks to loopback: the sink servers listen on 127.0.0.2-127.0.0.51 (Linux routes all of
127.0.0.0/8 to the loopback interface), 20 inboxes each, as 50 servers would; the instance on
127.0.0.1. Everything runs in a temp folder, removed at the end; processes are stopped.
Targets (issue 4): fan-out ≤ 20 s with one worker process, inbox ≥ 300 activities/s.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("BOCAGE_EXTENSIONS", "federation:init_app")
from federation_helpers import FakeRemote, RemoteKey, Territory, sign_request  # noqa: E402

HOSTS = 50


class Sink(BaseHTTPRequestHandler):
    received = []
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.received.append(time.monotonic())
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()


def sinks():
    servers = []
    for n in range(HOSTS):
        server = ThreadingHTTPServer((f"127.0.0.{n + 2}", 0), Sink)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fan_out(folder: Path, inboxes: list[str]) -> dict:
    from wiki import create_app
    from wiki.content.pages import save_page
    from wiki.db import database
    from federation.models import Delivery, Follower
    app = create_app(folder)
    with app.test_request_context():
        slug = app.extensions["bocage.instance"].slug
        Follower.insert_many([{"local": slug, "actor": f"{inbox}/actor", "inbox": inbox, "follow_id": f"{inbox}#f"}
                              for inbox in inboxes]).execute()
        started = time.monotonic()
        save_page("annonce", "# Annonce\n\nLa fête du territoire.")      # one Create, 1,000 rows
        queued = Delivery.select().count()
    database.close()
    worker = subprocess.Popen([sys.executable, "-m", "wiki.cli", "worker", str(folder), "--idle", "0.1"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(Sink.received) < len(inboxes) and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = (Sink.received[-1] if Sink.received else time.monotonic()) - started
    peak = rss_peak_mb(worker.pid)
    worker.terminate()
    worker.wait(timeout=20)
    return {"inboxes": len(inboxes), "queued": queued, "delivered": len(Sink.received),
            "seconds": round(elapsed, 2), "worker_peak_rss_mb": round(peak, 1), "target_seconds": 20}


def inbox_throughput(tmp: Path, key_pem: str, count: int) -> dict:
    remote, key = FakeRemote(), RemoteKey()
    remote.add_actor("alice", key)
    territory = Territory(tmp, "Banc d'essai", key_pem, rate_limit_per_minute=10 ** 9).start()
    try:
        url = f"{territory.url}/ap/inbox"
        actor = f"{remote.base}/users/alice"
        bodies = [json.dumps({"id": f"{remote.base}/likes/{uuid.uuid4().hex}", "type": "Like", "actor": actor,
                              "object": f"{territory.url}/wiki/accueil"}).encode() for _ in range(count + 20)]
        signed = [(body, sign_request(key, f"{actor}#main-key", "POST", url, body)) for body in bodies]
        session = requests.Session()
        for body, headers in signed[:20]:                # warm-up: the key is fetched and cached
            session.post(url, data=body, headers=headers, timeout=10)

        def send(item):
            body, headers = item
            return requests.post(url, data=body, headers=headers, timeout=10).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, signed[20:]))
        elapsed = time.monotonic() - started
    finally:
        territory.stop()
        remote.close()
    return {"activities": count, "accepted": statuses.count(202), "seconds": round(elapsed, 2),
            "per_second": round(count / elapsed, 1), "target_per_second": 300, "server_workers": 2}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inboxes", type=int, default=1000)
    parser.add_argument("--activities", type=int, default=600)
    parser.add_argument("--out", default=str(ROOT / "bench" / "federation-results.json"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bocage-fed-bench-"))
    servers = sinks()
    try:
        from wiki.instance import init_instance
        folder = tmp / "fan-out"
        init_instance(folder, "Banc de diffusion", "127.0.0.1:9")
        (folder / "instance.toml").write_text((folder / "instance.toml").read_text()
                                              + '\n[federation]\nscheme = "http"\nallow_private_addresses = true\n')
        inboxes = [f"http://127.0.0.{n % HOSTS + 2}:{servers[n % HOSTS].server_address[1]}/inbox/{n}"
                   for n in range(args.inboxes)]
        results = {"fan_out": fan_out(folder, inboxes)}
        key_pem = (folder / "data" / "federation-key.pem").read_text()
        results["inbox"] = inbox_throughput(tmp, key_pem, args.activities)
        results["config"] = {"cpus": os.cpu_count(), "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()}
    finally:
        for server in servers:
            server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    fan, inbox = results["fan_out"], results["inbox"]
    print(f"fan-out: {fan['delivered']}/{fan['inboxes']} inboxes in {fan['seconds']} s "
          f"({'PASS' if fan['seconds'] <= 20 and fan['delivered'] == fan['inboxes'] else 'MISS'} ≤ 20 s), "
          f"worker peak RSS {fan['worker_peak_rss_mb']} MB")
    print(f"inbox: {inbox['per_second']} signed activities/s, {inbox['accepted']}/{inbox['activities']} accepted "
          f"({'PASS' if inbox['per_second'] >= 300 else 'MISS'} ≥ 300/s)")
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
