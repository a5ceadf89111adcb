"""Helpers for the federation tests: a remote server on 127.0.0.1 (another fediverse server,
as seen from the network: actor documents, WebFinger, an inbox that records what it gets), and
signatures written the way other servers write them."""
import base64
import contextlib
import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import requests

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ROOT = Path(__file__).resolve().parents[1]


def federation_settings(folder, **settings):
    """Add a [federation] table to an instance's settings. Received content is kept in the inbox
    request ("inline"), so that tests read it at once; the servers of the end-to-end tests run
    with the default, the worker keeping it ("deferred")."""
    settings.setdefault("inbox_processing", "inline")
    lines = ["", "[federation]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path = folder / "instance.toml"
    path.write_text(path.read_text() + "\n".join(lines) + "\n")


class RemoteKey:
    def __init__(self):
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign_request(key: RemoteKey, key_id: str, method: str, url: str, body: bytes | None, *,
                 date: str | None = None, algorithm: str = "hs2019", extra: dict | None = None) -> dict:
    """Headers signed as Mastodon does (draft-cavage, written here without bovine)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": parts.netloc, "Date": date or formatdate(usegmt=True), **(extra or {})}
    names = ["(request-target)", "host", "date"]
    if body is not None:
        headers["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        headers["Content-Type"] = "application/activity+json"
        names += ["digest", "content-type"]
    lines = [f"(request-target): {method.lower()} {target}"] + [f"{n}: {headers[n.title()]}" for n in names[1:]]
    signature = base64.b64encode(key.private.sign("\n".join(lines).encode(), padding.PKCS1v15(),
                                                  hashes.SHA256())).decode()
    headers["Signature"] = (f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(names)}",'
                            f'signature="{signature}"')
    return headers


class FakeRemote:
    """Another server on 127.0.0.1: serves `documents` (path -> dict), records every request,
    answers POSTs with `inbox_status` (and `inbox_headers`)."""

    def __init__(self):
        self.documents, self.requests, self.received = {}, [], []
        self.inbox_status, self.inbox_headers, self.inbox_delay = 202, {}, 0.0
        remote = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                remote.requests.append(("GET", self.path, dict(self.headers)))
                doc = remote.documents.get(self.path)
                self.send_response(200 if doc is not None else 404)
                body = json.dumps(doc or {}).encode()
                self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(remote.inbox_delay)
                remote.requests.append(("POST", self.path, dict(self.headers)))
                remote.received.append((self.path, dict(self.headers), body))
                self.send_response(remote.inbox_status)
                for k, v in remote.inbox_headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.base = f"http://{self.host}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_actor(self, name: str, key: RemoteKey, **extra) -> dict:
        actor_id = f"{self.base}/users/{name}"
        doc = {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
               "id": actor_id, "type": "Person", "preferredUsername": name, "name": name.title(),
               "inbox": f"{actor_id}/inbox", "outbox": f"{actor_id}/outbox",
               "endpoints": {"sharedInbox": f"{self.base}/inbox"},
               "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": key.public_pem},
               **extra}
        self.documents[f"/users/{name}"] = doc
        return doc

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def follow_us(client, key, remote, name: str, ours: str, n: int = 1, base: str = "https://wiki.test"):
    """Remote actor `name` follows our actor `ours` (on our `base`) through our inbox, signed."""
    actor = f"{remote.base}/users/{name}"
    activity = {"id": f"{remote.base}/activities/{name}-follow-{n}", "type": "Follow", "actor": actor,
                "object": f"{base}/ap/actors/{ours}"}
    body = json.dumps(activity).encode()
    headers = sign_request(key, f"{actor}#main-key", "POST", "http://localhost/ap/inbox", body)
    response = client.post("/ap/inbox", data=body, headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)


def verify_our_signature(public_pem: str, method: str, path: str, headers: dict, body: bytes) -> str:
    """Check, without our code, a request we signed: the keyId it names, or AssertionError."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    fields = dict(part.split("=", 1) for part in headers["Signature"].split(","))
    fields = {k: v.strip('"') for k, v in fields.items()}
    names = fields["headers"].split()
    assert names[:3] == ["(request-target)", "host", "date"] and (body is None or "digest" in names)
    if body is not None:
        assert headers["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    lowered = {k.lower(): v for k, v in headers.items()}
    lines = [f"(request-target): {method.lower()} {path}" if n == "(request-target)" else f"{n}: {lowered[n]}"
             for n in names]
    load_pem_public_key(public_pem.encode()).verify(base64.b64decode(fields["signature"]), "\n".join(lines).encode(),
                                                    padding.PKCS1v15(), hashes.SHA256())
    return fields["keyId"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Territory:
    """An instance folder served by `bocage serve` (gunicorn, 2 workers, its delivery worker)
    on a free port of 127.0.0.1 (`host_name="localhost"` to name it so)."""

    def __init__(self, tmp_path, name, key, host_name="127.0.0.1", **settings):
        from wiki import create_app
        from conftest import robot_token
        from wiki.db import database
        from wiki.instance import init_instance
        self.port = free_port()
        self.host = f"{host_name}:{self.port}"
        self.url = f"http://{self.host}"
        self.folder = tmp_path / name.lower().replace(" ", "-")
        instance = init_instance(self.folder, name, self.host)
        self.slug = instance.slug
        (self.folder / "data" / "federation-key.pem").write_text(key.private_pem)   # a keys.KeyPair
        (self.folder / "data" / "federation-key.pub.pem").write_text(key.public_pem)
        federation_settings(self.folder, scheme="http", allow_private_addresses=True,
                            **{"inbox_processing": "deferred", **settings})
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)}
        self.env.pop("BOCAGE_DATABASE_URL", None)
        app = create_app(self.folder)
        with app.app_context():
            self.token = robot_token()
        app.extensions["bocage.search"].close()
        if not database.is_closed():
            database.close()
        database.obj.close_all()
        self.log = tmp_path / f"{self.slug}.log"
        self.proc = None

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "wiki.cli", "serve", str(self.folder), "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", "2"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/.well-known/nodeinfo", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        raise AssertionError(f"{self.slug} did not start:\n{self.output()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def output(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def bocage(self, *args):
        return subprocess.run([sys.executable, "-m", "wiki.cli", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=60)

    def api(self, method, path, **kwargs):
        response = requests.request(method, self.url + path, timeout=10,
                                    headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def commons(self):
        with contextlib.closing(sqlite3.connect(self.folder / "data" / "bocage.db")) as db:
            db.row_factory = sqlite3.Row
            return {row["object_id"]: dict(row) for row in db.execute("SELECT * FROM remote_object")}


def eventually(check, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
