"""A wiki party's afternoon on the production server: 50 people reading and 5 people editing at
once, for 60 seconds, on a 10,000-page instance. Target: 0 errors; the p95 latency is reported.

    .venv/bin/python bench/load.py [--pages 10000] [--seconds 60] [--out bench/load-results.json]

- Server: `bocage serve`'s (wiki.server.InstanceServer: gunicorn, 2 sync workers), statistics on.
- Readers: wrk, 50 connections, a browser's User-Agent (so views are counted, as people's are),
  each request another of 2,000 pages; its Lua done() prints the p95.
- Editors: 5 threads, each an editor account with its own API token and its own pages, reading
  the page then saving a change with its base revision (`PUT /api/pages/<name>`), then thinking
  2.5 s (24 saves a minute, under the anti-spam limit of 30 per account). Two editors share
  pages, so some saves meet a concurrent change: merged, or a 409 that is counted apart (that is
  the wiki doing its job, not an error). Anything else — a 5xx, a 429, a timeout — is an error.
Needs wrk; talks to 127.0.0.1 only.
"""
import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.append(str(Path(__file__).resolve().parent))   # last: bench/federation.py must not shadow the package
import run as bench  # noqa: E402  (bench/run.py: the corpus, the build, wrk, the servers)
from stats import BROWSER  # noqa: E402

READERS, EDITORS, THINK_S, TARGET_ERRORS = 50, 5, 2.5, 0


def _reader_script(folder: Path, paths: list[str]) -> str:
    script = Path(bench.path_cycle_script(folder, paths))
    script.write_text(script.read_text() + "done = function(summary, latency, requests)\n"
                      "  io.write(string.format('P95_US %d\\n', latency:percentile(95)))\nend\n")
    return str(script)


def _editor(base, token, names, corpus, seed, until, out):
    """One person editing: read, change, save, think; every outcome counted."""
    import random
    rng, http = random.Random(seed), requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    while time.monotonic() < until:
        name = rng.choice(names)
        t0 = time.perf_counter()
        try:
            page = http.get(f"{base}/pages/{name}", timeout=30).json()
            resp = http.put(f"{base}/pages/{name}", timeout=30,
                            json={"source": corpus.edit(page["source"], rng),
                                  "base_revision": page["revision"], "comment": "bench"})
            status = resp.status_code
        except (requests.RequestException, ValueError, KeyError) as exc:
            status = type(exc).__name__
        out.append((status, (time.perf_counter() - t0) * 1000))
        time.sleep(THINK_S)


def run(args, tmp, servers):
    r = {"config": vars(args) | {"code": bench.code_version(), "loadavg_start": bench.os.getloadavg()}}
    app, names, r["build"] = bench.indexed_instance(tmp / "wiki", args.pages)
    from wiki.accounts.service import create_account
    from wiki.accounts.tokens import create_token
    from wiki.db import database
    with app.test_request_context():
        tokens = [create_token(f"editor-{i}", create_account(f"editor{i}", "bench-password-1").id)
                  for i in range(EDITORS)]
    database.close()
    port = bench.free_port()
    url = f"http://127.0.0.1:{port}/wiki/{names[0]}"
    proc = servers.start(["-c", bench.SERVE_WIKI, str(tmp / "wiki"), str(port)], url)
    script = _reader_script(tmp, [f"/wiki/{nm}" for nm in names[1:2001]])
    bench.wrk(url, bench.WARMUP_S, proc.pid, script, headers=[BROWSER], connections=READERS, threads=2)

    # Editors 0 and 1 share their pages (real conflicts); the others have pages of their own.
    edit_pages = [names[-10 * (max(i, 1) + 1):-10 * max(i, 1)] for i in range(EDITORS)]   # the last 60 pages
    saves, until = [], time.monotonic() + args.seconds
    threads = [threading.Thread(target=_editor, args=(f"http://127.0.0.1:{port}/api", tokens[i], edit_pages[i],
                                                     bench.corpus, i, until, saves), daemon=True)
               for i in range(EDITORS)]
    for t in threads:
        t.start()
    readers = bench.wrk(url, args.seconds, proc.pid, script, headers=[BROWSER], connections=READERS, threads=2)
    for t in threads:
        t.join(timeout=60)
    ok = [ms for status, ms in saves if status == 200]
    conflicts = sum(1 for status, _ms in saves if status == 409)
    errors = [status for status, _ms in saves if status not in (200, 409)]
    q = statistics.quantiles(ok, n=100, method="inclusive") if len(ok) > 1 else [0] * 99
    r["readers"], r["editors"] = readers, {
        "saves": len(ok), "conflicts_409": conflicts, "errors": len(errors), "error_kinds": sorted(set(map(str, errors))),
        "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "max_ms": round(max(ok, default=0), 1)}
    r["errors"] = readers["non_2xx"] + (1 if readers["socket_errors"] else 0) + len(errors)
    r["config"]["loadavg_end"] = bench.os.getloadavg()
    return r


def report(r):
    rd, ed = r["readers"], r["editors"]
    rows = [("readers: requests, req/s", f"{rd['requests']}, {rd['rps']:.0f}", None),
            ("readers: p50 / p95 / p99 (ms)", f"{rd['p50_ms']:.0f} / {rd['p95_ms']:.0f} / {rd['p99_ms']:.0f}", None),
            ("readers: non-2xx/3xx, socket errors", f"{rd['non_2xx']}, {rd['socket_errors'] or 0}", None),
            ("editors: saves, 409 conflicts", f"{ed['saves']}, {ed['conflicts_409']}", None),
            ("editors: read+save p50 / p95 (ms)", f"{ed['p50_ms']:.0f} / {ed['p95_ms']:.0f}", None),
            ("errors (readers and editors)", r["errors"], ("<=", TARGET_ERRORS))]
    r["verdicts"] = bench.table(rows, label_width=40, value_width=20)
    c = r["config"]
    print(f"\nLoad average {c['loadavg_start'][0]:.2f} -> {c['loadavg_end'][0]:.2f}; code {c['code']}.")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=10_000)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--out", default=str(bench.HERE / "load-results.json"))
    bench.harness(p.parse_args(), run, report, "bocage-load-")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, temp folder removed")
