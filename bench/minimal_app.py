"""The baseline for the page-view figure: a Flask app that returns a fixed HTML string (and,
for the inbox figure of bench/federation.py, a POST /ap/inbox that reads the body and answers 202).

It is served by a subclass of wiki.server.InstanceServer, so the gunicorn settings (sync
workers, threads, timeouts, no access log) are exactly the wiki's; only load() differs.
Run: python bench/minimal_app.py PORT BODY_BYTES   (the body is ASCII: bytes == characters)
"""
import sys

from flask import Flask, request

from wiki.server import InstanceServer

PREFIX = "<!doctype html><title>minimal</title><p>"
app = Flask("minimal")
app.config["BODY"] = PREFIX


@app.get("/wiki/<name>")
def show(name):
    return app.config["BODY"]


@app.post("/ap/inbox")
def inbox():
    request.get_data()
    return "", 202


class MinimalServer(InstanceServer):
    def load(self):
        return app


if __name__ == "__main__":
    port, size = int(sys.argv[1]), int(sys.argv[2])
    app.config["BODY"] = PREFIX + "x" * max(0, size - len(PREFIX))
    MinimalServer("minimal", host="127.0.0.1", port=port, workers=2).run()
