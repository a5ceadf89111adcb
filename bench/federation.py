"""Federation benchmark (issue 4): one update fanned out to 1,000 distinct inboxes by one
`bocage worker`, and the inbox's throughput of signed activities under `bocage serve`.

    .venv/bin/python bench/federation.py [--followers 1000] [--rounds 2] [--senders 8] [--seconds 5]
                                         [--inbox-rounds 3] [--out bench/federation-results.json]

Needs wrk (apt-get install wrk). Only talks to 127.0.0.1; every wait is bounded; the processes
(sink, worker, gunicorn) and the temp folder are removed on exit, Ctrl-C, SIGTERM or failure.
See bench/README.md, "Federation (issue 4)", for the method.
"""
import argparse
import json
import os
import re
import resource
import statistics
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE), str(HERE.parent / "tests")]
os.environ.setdefault("BOCAGE_EXTENSIONS", "federation:init_app")   # a checkout whose metadata predates it
os.environ.pop("BOCAGE_DATABASE_URL", None)                          # SQLite in the temp folder

from federation_helpers import RemoteKey, federation_settings, sign_request  # noqa: E402
from run import code_version, cpu_seconds, free_port, harness, table, wrk  # noqa: E402

TARGETS = {"fanout_s": 20, "inbox_rps": 300}
WAIT_S = 120                     # at most, for one fan-out to settle
CODE = ("federation/**/*.py", "bench/federation.py", "bench/fedsink.py")


def memory(pid: int) -> dict:
    """VmRSS (now) and VmHWM (the peak since the process started), MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    kb = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
    return {"rss_mb": round(int(kb["VmRSS"]) / 1024, 1), "peak_mb": round(int(kb["VmHWM"]) / 1024, 1)}


def first_traceback(log: str) -> str:
    """The first traceback of a log, and the last line of every one (the exceptions)."""
    at = log.find("Traceback")
    ends = Counter(m[:200] for m in re.findall(r"^(\w[\w.]*(?:Error|Exception)\b.*)$", log, re.M))
    return (log[max(0, at - 300):at + 3000] + f"\n-- exceptions: {dict(ends)}") if at >= 0 else ""


def new_instance(folder: Path, port: int, **settings):
    """An instance at 127.0.0.1:port (http, private addresses allowed: the sink is on loopback)."""
    from wiki import create_app
    from wiki.instance import init_instance
    init_instance(folder, "Territoire de banc d'essai", f"127.0.0.1:{port}")
    federation_settings(folder, scheme="http", allow_private_addresses=True, **settings)
    return create_app(folder)


def release(app, everything=False) -> None:
    """Close what the bench process holds of an instance (its servers run in other processes)."""
    from wiki.db import database
    app.extensions["bocage.search"].close()
    if not database.is_closed():
        database.close()
    if everything:
        database.obj.close_all()


class Sink:
    def __init__(self, servers, tmp: Path, followers: int, senders: dict, check_pem: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        spec = tmp / "actors.json"
        spec.write_text(json.dumps({"followers": followers, "follower_pem": RemoteKey().public_pem,
                                    "senders": {n: k.public_pem for n, k in senders.items()},
                                    "check_pem": check_pem}))
        self.proc = servers.start([str(HERE / "fedsink.py"), str(self.port), str(spec)], f"{self.base}/stats",
                                  log=tmp / "sink.log")

    def stats(self) -> dict:
        return requests.get(f"{self.base}/stats", timeout=10).json()


# -- (a) one update to 1,000 inboxes -----------------------------------------------------------
def fanout(args, tmp, servers, app, sink) -> dict:
    from federation.models import Delivery, Follower, OutboxActivity
    from peewee import fn
    from wiki.content.pages import save_page
    from wiki.db import database
    slug, name = app.extensions["bocage.instance"].slug, "banc-federation"
    with app.test_request_context():     # the page exists (its Create went to nobody), then the followers
        revision = save_page(name, "# Banc\n\nVersion 0.\n", author="bench").revision.id
    with app.app_context():
        Follower.insert_many([{"local": slug, "actor": f"{sink.base}/users/f{i:04d}",
                               "inbox": f"{sink.base}/users/f{i:04d}/inbox", "follow_id": f"{sink.base}/follows/{i}"}
                              for i in range(args.followers)]).execute()
    release(app)
    log = tmp / "worker.log"
    worker = servers.start(["-m", "wiki.cli", "worker", str(app.extensions["bocage.instance"].path)], None, log=log)
    deadline = time.monotonic() + 60
    while b"Delivering for" not in (log.read_bytes() if log.exists() else b""):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    result = {"followers": args.followers, "worker_idle": memory(worker.pid), "rounds": []}
    slow = [f"f{i:04d}" for i in range(0, args.followers, args.followers // args.slow)] if args.slow else []
    plan = [(n, []) for n in range(1, args.rounds + 1)] + ([(args.rounds + 1, slow)] if slow else [])
    for n, hanging in plan:          # the last round: `--slow` inboxes hang longer than our timeout
        requests.post(f"{sink.base}/control", json={"slow": hanging, "delay": 8}, timeout=10)
        before, cpu0 = sink.stats(), cpu_seconds(worker.pid)
        t0 = time.monotonic()
        with app.test_request_context():
            revision = save_page(name, f"# Banc\n\nVersion {n}.\n\n{'Texte du banc. ' * 200}\n",
                                 base_revision=revision, author="bench", comment=f"round {n}").revision.id
            activity = OutboxActivity.select().where(OutboxActivity.type == "Update").order_by(
                OutboxActivity.id.desc()).get()
            queued = Delivery.select().where(Delivery.activity == activity.id).count()
        saved_s, counts, peak, others_s = time.monotonic() - t0, {}, 0.0, None
        while time.monotonic() - t0 < WAIT_S:    # until every row was tried (a hanging one: retry later)
            with app.app_context():
                rows = Delivery.select().where(Delivery.activity == activity.id)
                counts = dict(rows.select(Delivery.status, fn.COUNT(Delivery.id)).group_by(Delivery.status).tuples())
                untried = rows.where(Delivery.attempts == 0).count()
                database.close()
            peak = max(peak, memory(worker.pid)["rss_mb"])
            if others_s is None and counts.get("done", 0) >= queued - len(hanging):
                others_s = time.monotonic() - t0
            if not untried:
                break
            time.sleep(0.05)
        settled_s, after = time.monotonic() - t0, sink.stats()
        result["rounds"].append({
            "queued": queued, "hanging_inboxes": len(hanging), "statuses": counts,
            "save_and_queue_s": round(saved_s, 3), "all_settled_s": round(settled_s, 2),
            "others_done_s": round(others_s, 2) if others_s is not None else None,
            "last_received_s": round(after["last"] - t0, 2) if after["last"] else None,
            "received": after["received"] - before["received"],
            "deliveries_per_s": round(counts.get("done", 0) / settled_s, 1),
            "worker_cpu_s": round(cpu_seconds(worker.pid) - cpu0, 2),
            "worker_rss_peak_sampled_mb": peak, "worker_after": memory(worker.pid)})
        print(f"fan-out round {n}: {result['rounds'][-1]}", flush=True)
    result["distinct_inboxes"], result["bad_signatures"] = after["distinct_inboxes"], after["bad"]
    result["bad_sample"] = after["bad_sample"]
    result["worker_end"] = memory(worker.pid)      # peak_mb is the worker's VmHWM: its whole life
    text = log.read_text(errors="replace")
    result["worker_errors"], result["worker_traceback_sample"] = text.count("Traceback"), first_traceback(text)
    worker.terminate()
    worker.wait(timeout=20)
    return result


# -- (b) inbox throughput ----------------------------------------------------------------------
def activities(sink_base: str, senders: dict, inbox_url: str, total: int):
    """`total` signed POSTs (path, headers, body): Creates of Notes and Articles from the senders
    in turn, then Updates of the same objects; every activity id distinct (none deduplicated)."""
    names, out = list(senders), []
    html = "<p>Une <strong>initiative</strong> du territoire voisin, <a href=\"https://example.org/\">lien</a>.</p>" * 6
    for i in range(total):
        create = i < total // 2
        k = i if create else i - total // 2
        name = names[k % len(names)]
        actor = f"{sink_base}/users/{name}"
        obj = {"id": f"{actor}/objects/{k}", "type": "Note" if k % 2 else "Article", "attributedTo": actor,
               "name": f"Objet {k}", "content": html, "published": "2026-11-30T10:00:00Z",
               "updated": "2026-11-30T10:00:00Z" if create else "2026-12-01T10:00:00Z",
               "to": ["https://www.w3.org/ns/activitystreams#Public"]}
        activity = {"@context": "https://www.w3.org/ns/activitystreams",
                    "id": f"{actor}/activities/{uuid.uuid4().hex}", "type": "Create" if create else "Update",
                    "actor": actor, "object": obj, "to": obj["to"]}
        body = json.dumps(activity).encode()
        out.append(("/ap/inbox", sign_request(senders[name], f"{actor}#main-key", "POST", inbox_url, body), body))
    return out


def wrk_counted(url, seconds, pid, script) -> dict:
    """run.wrk, plus wrk's own CPU per request (it is our child: RUSAGE_CHILDREN once it exits)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = wrk(url, seconds, pid, script)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    res["client_cpu_ms_per_req"] = round(1000 * used / max(1, res["requests"]), 3)
    return res


def lua_scripts(folder: Path, items) -> tuple[str, str]:
    """wrk scripts over the pre-signed requests: one sends each once, in order, and stops at the
    end (the inbox: no activity twice); the other goes round (the minimal app checks nothing)."""
    def long(text):
        return f"[==[{text}]==]"
    lines = ["r = {}"]
    for path, headers, body in items:
        hs = ", ".join(f"[ {long(k)} ] = {long(v)}" for k, v in headers.items())
        lines.append(f"r[#r + 1] = wrk.format('POST', {long(path)}, {{{hs}}}, {long(body.decode())})")
    (folder / "requests.lua").write_text("\n".join(lines) + "\n")
    load = f"dofile({long(str(folder / 'requests.lua'))})\nlocal i = 0\n"
    once, loop = folder / "once.lua", folder / "loop.lua"
    once.write_text(load + "request = function()\n  i = i + 1\n  return r[math.min(i, #r)]\nend\n"
                    "response = function()\n  if i >= #r then wrk.thread:stop() end\nend\n")
    loop.write_text(load + "request = function()\n  i = i % #r + 1\n  return r[i]\nend\n")
    return str(once), str(loop)


def inbox(args, tmp, servers, app, sink, senders) -> dict:
    """wrk against `bocage serve` and against bench/minimal_app.py (POST answered 202, nothing
    checked: the ceiling of the same gunicorn settings on this machine now), rounds alternated;
    each inbox round sends activities signed just before it."""
    from federation.models import Following, RemoteActor, RemoteObject, SeenActivity
    slug, folder = app.extensions["bocage.instance"].slug, app.extensions["bocage.instance"].path
    port = int(app.extensions["bocage.instance"].domain.rsplit(":", 1)[1])
    with app.app_context():
        Following.insert_many([{"local": slug, "actor": f"{sink.base}/users/{n}", "status": "accepted",
                                "follow_id": f"http://127.0.0.1:{port}/ap/follows/{n}"} for n in senders]).execute()
    release(app)
    log, min_port = tmp / "serve.log", free_port()
    serve = servers.start(["-m", "wiki.cli", "serve", str(folder), "--host", "127.0.0.1", "--port", str(port),
                           "--workers", str(args.workers)], f"http://127.0.0.1:{port}/.well-known/nodeinfo", log=log)
    minimal = servers.start([str(HERE / "minimal_app.py"), str(min_port), "100"], f"http://127.0.0.1:{min_port}/wiki/x",
                            log=tmp / "minimal.log")
    inbox_url = f"http://127.0.0.1:{port}/ap/inbox"
    # Warm-up, a first contact: 4 activities of each sender one after the other, 8 in flight
    # (so both workers may fetch the same key at once; then it is cached in remote_actor).
    warm = sorted(activities(sink.base, senders, inbox_url, 4 * len(senders)), key=lambda item: item[1]["Signature"][:60])
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda item: requests.post(inbox_url, data=item[2], headers=item[1],
                                                            timeout=30).status_code, warm))
    gets_after_warmup = sink.stats()["gets"]
    runs, presigned = {"inbox": [], "minimal": []}, 0
    for _ in range(args.inbox_rounds):
        items = activities(sink.base, senders, inbox_url, args.seconds * args.presign_rate)
        presigned += len(items)
        once, loop = lua_scripts(tmp, items)
        runs["inbox"].append(wrk_counted(inbox_url, args.seconds, serve.pid, once))
        runs["inbox"][-1]["exhausted"] = runs["inbox"][-1]["requests"] >= len(items)
        runs["minimal"].append(wrk_counted(f"http://127.0.0.1:{min_port}/ap/inbox", args.seconds, minimal.pid, loop))
    gets = sink.stats()["gets"]
    from federation.models import InboxQueue
    started, queued_at_end, left = time.monotonic(), None, None
    while time.monotonic() - started < 180:      # the worker keeps what the inbox accepted
        with app.app_context():
            left = InboxQueue.select().count()
            release(app)
        queued_at_end = left if queued_at_end is None else queued_at_end
        if not left:
            break
        time.sleep(0.5)
    kept_s = time.monotonic() - started
    with app.app_context():
        stored = {"remote_actors": RemoteActor.select().count(), "remote_objects": RemoteObject.select().count(),
                  "seen_activities": SeenActivity.select().count(), "queued_when_sending_ended": queued_at_end,
                  "queue_left": left, "worker_caught_up_s": round(kept_s, 1)}
        release(app)
    text = log.read_text(errors="replace")
    out = {"senders": len(senders), "workers": args.workers, "warmup_statuses": dict(Counter(statuses)),
           "presigned": presigned, "requests": sum(x["requests"] for x in runs["inbox"]),
           "errors": sum(x["non_2xx"] + (1 if x["socket_errors"] else 0) for x in runs["inbox"])
           + sum(n for status, n in Counter(statuses).items() if status != 202),
           "key_fetches_after_warmup": sum(gets_after_warmup.values()), "key_fetches_end": sum(gets.values()),
           "stored": stored, "server_tracebacks": text.count("Traceback"), "server_traceback_sample": first_traceback(text),
           "server_refusals": len(re.findall(r"inbox \S+ 4\d\d from", text)), "rounds": runs}
    for kind in runs:
        for key in ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_req", "client_cpu_ms_per_req"):
            out[f"{kind}_{key}"] = round(statistics.fmean(x[key] for x in runs[kind]), 3)
    out["ratio"] = round(out["inbox_rps"] / out["minimal_rps"], 3)
    # What the same work would give on this machine's cores with nothing else running on them:
    # req/s = cores / CPU per request (server + wrk). A projection, load-independent, unlike req/s.
    out["projected_idle_rps"] = round(os.cpu_count() * 1000 / (out["inbox_server_cpu_ms_per_req"]
                                                               + out["inbox_client_cpu_ms_per_req"]))
    return out


# -- the run -----------------------------------------------------------------------------------
def run(args, tmp, servers) -> dict:
    r = {"config": vars(args) | {"cpus": os.cpu_count(), "code": code_version(CODE), "loadavg_start": os.getloadavg()}}
    senders = {f"s{i}": RemoteKey() for i in range(args.senders)}
    out_app = new_instance(tmp / "fanout", free_port())
    sink = Sink(servers, tmp, args.followers, senders, out_app.extensions["bocage.federation"].keys.public_pem)
    r["fanout"] = fanout(args, tmp, servers, out_app, sink)
    release(out_app, everything=True)     # the database binding is global: one instance at a time here
    in_app = new_instance(tmp / "inbox", free_port(), rate_limit_per_minute=10 ** 9, inbox_processing="deferred")
    r["inbox"] = inbox(args, tmp, servers, in_app, sink, senders)
    print(f"inbox: {r['inbox']}", flush=True)
    r["config"]["loadavg_end"] = os.getloadavg()
    return r


def report(r: dict) -> None:
    f, i, t = r["fanout"], r["inbox"], TARGETS
    fast = [x for x in f["rounds"] if not x["hanging_inboxes"]]
    best, worst = min(fast, key=lambda x: x["all_settled_s"]), max(fast, key=lambda x: x["all_settled_s"])
    hanging = [x for x in f["rounds"] if x["hanging_inboxes"]]
    rows = [
        (f"fan-out to {f['followers']} inboxes, slowest round (s)", worst["all_settled_s"], ("<=", t["fanout_s"])),
        ("  each round (s)", " / ".join(str(x["all_settled_s"]) for x in fast), None),
        *([(f"  with {hanging[0]['hanging_inboxes']} inboxes hanging: the others done (s)",
            hanging[0]["others_done_s"], ("<=", t["fanout_s"])),
           ("  ... and every inbox tried once (s)", hanging[0]["all_settled_s"], None)] if hanging else []),
        ("  deliveries/s, worker CPU (s), best round", f"{best['deliveries_per_s']}, {best['worker_cpu_s']}", None),
        ("  save + queue of the edit (s)", best["save_and_queue_s"], None),
        ("  distinct inboxes / bad signatures", f"{f['distinct_inboxes']} / {f['bad_signatures']}", None),
        ("worker RSS idle / peak / end (MB)",
         f"{f['worker_idle']['rss_mb']} / {f['worker_end']['peak_mb']} / {f['worker_end']['rss_mb']}", None),
        (f"inbox, signed Create/Update, mean (req/s, {i['workers']} workers)", i["inbox_rps"], (">=", t["inbox_rps"])),
        ("  each round (req/s)", " / ".join(f"{x['rps']:.0f}" for x in i["rounds"]["inbox"]), None),
        ("  p50 / p99 (ms)", f"{i['inbox_p50_ms']:.1f} / {i['inbox_p99_ms']:.1f}", None),
        ("  server / wrk CPU per request (ms)",
         f"{i['inbox_server_cpu_ms_per_req']:.2f} / {i['inbox_client_cpu_ms_per_req']:.2f}", None),
        (f"  projected on {r['config']['cpus']} idle cores (req/s)", i["projected_idle_rps"], None),
        ("  minimal POST app, same gunicorn (req/s)", i["minimal_rps"], None),
        ("  ratio inbox/minimal; minimal CPU/request (ms)",
         f"{i['ratio']}; {i['minimal_server_cpu_ms_per_req']}", None),
        ("  errors (non-2xx, socket)", i["errors"], ("<=", 0)),
        ("  key fetches: after warm-up / end", f"{i['key_fetches_after_warmup']} / {i['key_fetches_end']}", None),
    ]
    r["verdicts"] = table(rows, 52, 18)
    la = r["config"]
    print(f"\n{i['requests']} inbox requests ({i['presigned']} pre-signed), stored {i['stored']}; "
          f"worker tracebacks {f['worker_errors']}, server tracebacks {i['server_tracebacks']}. "
          f"Load average {la['loadavg_start'][0]:.2f} -> {la['loadavg_end'][0]:.2f} on {la['cpus']} CPUs. "
          f"Code {la['code']}.")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--followers", type=int, default=1000)
    p.add_argument("--senders", type=int, default=8, help="remote actors posting to the inbox")
    p.add_argument("--seconds", type=int, default=5, help="duration of each wrk run")
    p.add_argument("--rounds", type=int, default=2, help="edits fanned out (the first one with a cold worker)")
    p.add_argument("--slow", type=int, default=10, help="then one more with this many inboxes hanging (0: none)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers of bocage serve")
    p.add_argument("--inbox-rounds", type=int, default=3, help="wrk runs of each server, alternated")
    p.add_argument("--presign-rate", type=int, default=1000, help="activities signed per second of wrk run")
    p.add_argument("--out", default=str(HERE / "federation-results.json"))
    harness(p.parse_args(), run, report, "bocage-bench-fed-")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: processes stopped, temp folder removed")
