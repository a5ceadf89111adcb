"""The rest of the fediverse, for bench/federation.py: one process on 127.0.0.1 playing many
remote actors, each with its own actor document and its own inbox.

    python bench/fedsink.py PORT ACTORS_JSON

ACTORS_JSON: {"followers": N, "follower_pem": PEM, "senders": {name: PEM}, "check_pem": PEM}.

- `GET /users/<name>`: the actor document: `f0000`...`f<N-1>` (the followers of the fan-out; no
  `sharedInbox`, so that no delivery is collapsed: N distinct inboxes) and the senders of the
  inbox benchmark (their keys, which the instance fetches once and caches); each GET is counted;
- `POST /users/<name>/inbox`: the HTTP signature is checked against `check_pem` (the instance's
  public key) with tests/federation_helpers.verify_our_signature, not Bocage's code; the Digest
  too; 202 when it verifies, 401 otherwise; counted per inbox;
- `GET /stats`: the counts (JSON), with the monotonic times of the first and last good POST;
- `POST /control` `{"slow": [names], "delay": seconds}`: those inboxes answer only after `delay`
  (a server that hangs: the sender's timeout runs out first).
"""
import json
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from federation_helpers import verify_our_signature  # noqa: E402


class Sink:
    def __init__(self, port: int, actors: dict):
        self.base = f"http://127.0.0.1:{port}"
        self.actors, self.lock = actors, threading.Lock()
        self.posts, self.gets, self.bad = Counter(), Counter(), []
        self.first = self.last = None
        self.slow, self.delay = set(), 0.0

    def document(self, name: str) -> dict | None:
        if name in self.actors["senders"]:
            pem = self.actors["senders"][name]
        elif name.startswith("f") and name[1:].isdigit() and int(name[1:]) < self.actors["followers"]:
            pem = self.actors["follower_pem"]
        else:
            return None
        actor = f"{self.base}/users/{name}"
        return {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": actor, "type": "Person", "preferredUsername": name, "inbox": f"{actor}/inbox",
                "outbox": f"{actor}/outbox", "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                                                            "publicKeyPem": pem}}

    def stats(self) -> dict:
        with self.lock:
            return {"received": sum(self.posts.values()), "distinct_inboxes": len(self.posts),
                    "bad": len(self.bad), "bad_sample": self.bad[:3], "gets": dict(self.gets),
                    "first": self.first, "last": self.last, "now": time.monotonic()}


def handler(sink: Sink):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status: int, doc=None):
            body = json.dumps(doc).encode() if doc is not None else b""
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:                   # the client is gone (it timed out)
                pass

        def do_GET(self):
            if self.path == "/stats":
                return self.answer(200, sink.stats())
            doc = sink.document(self.path.removeprefix("/users/"))
            with sink.lock:
                sink.gets[self.path] += 1
            self.answer(200 if doc else 404, doc or {})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/control":
                control = json.loads(body)
                sink.slow, sink.delay = set(control.get("slow", [])), float(control.get("delay", 0))
                return self.answer(204)
            if self.path[7:-6] in sink.slow:
                time.sleep(sink.delay)
                return self.answer(202)       # too late: the sender gave up (a broken pipe here)
            try:
                if not self.path.endswith("/inbox") or not sink.document(self.path[7:-6]):
                    raise AssertionError(f"no inbox {self.path}")
                verify_our_signature(sink.actors["check_pem"], "POST", self.path, dict(self.headers), body)
                json.loads(body)
            except Exception as exc:           # a wrong signature, digest, path or body
                with sink.lock:
                    sink.bad.append(f"{self.path}: {exc!r}"[:300])
                return self.answer(401)
            with sink.lock:
                sink.posts[self.path] += 1
                sink.first = sink.first or time.monotonic()
                sink.last = time.monotonic()
            self.answer(202)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads, request_queue_size = True, 256     # 16 delivery threads connect at once


def main():
    port, actors = int(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
    Server(("127.0.0.1", port), handler(Sink(port, actors))).serve_forever()


if __name__ == "__main__":
    main()
