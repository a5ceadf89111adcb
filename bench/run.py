"""Bocage benchmark: build a 10,000-page instance, then measure reindex, page views, saves,
searches and worker memory against targets. A benchmark, not a test: it prints figures.

    .venv/bin/python bench/run.py [--pages 10000] [--seconds 10] [--out bench/results.json]

Needs wrk (apt-get install wrk). Only talks to 127.0.0.1; every loop is bounded in count and
time; servers and the temp folder are removed on exit, Ctrl-C, SIGTERM or failure.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
# bench/ last on the path, the checkout first: bench/federation.py must not shadow the federation
# package (the extension), and the code measured is this checkout's, not an installed copy's.
sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]
import corpus  # noqa: E402

N_SAVES, N_SEARCHES, SAVE_PAGES, PHASE_BUDGET_S = 200, 200, 20, 90
SAMPLE_SAVES = 300   # pages created through save_page (~50 ms each: 10,000 would take ~8 min); the rest as bulk rows
WRK_CONNECTIONS, WARMUP_S, ROUNDS = 4, 3, 2
TARGETS = {"ratio": 0.60, "save_p50_ms": 50, "search_p50_ms": 20, "rss_mb": 80}
SERVE_WIKI = ("import sys; from wiki.server import InstanceServer; "
              "InstanceServer(sys.argv[1], host='127.0.0.1', port=int(sys.argv[2]), workers=2).run()")


# -- building the instance ---------------------------------------------------------------------
def build(folder, pages):
    """Instance with all pages: a sample through save_page (the real path), the rest as bulk rows.

    Bulk rows are what save_page writes (page, revision 1, links), minus the search index, which
    reindex() then rebuilds for all pages: that is the timed "full reindex" figure.
    """
    from wiki import create_app
    from wiki.content.pages import save_page, title_of
    from wiki.accounts.service import create_account
    from wiki.accounts.tokens import create_token
    from wiki.db import database, utcnow
    from wiki.instance import init_instance
    from wiki.models import Link, Page, Revision
    from wiki.render.syntax import link_targets
    init_instance(folder, "Territoire de banc d'essai", "127.0.0.1")
    app = create_app(folder)
    items, sample = list(pages.items()), min(SAMPLE_SAVES, len(pages))
    t0 = time.perf_counter()
    with app.test_request_context():
        for name, src in items[:sample]:
            save_page(name, src, comment="import", author="bench")
        token = create_token("bench", create_account("bench", "bench-password", role="admin").id)
    sample_s, t0, now = time.perf_counter() - t0, time.perf_counter(), utcnow()
    with app.app_context(), database.atomic():
        for i in range(sample, len(items), 500):
            chunk = items[i:i + 500]
            Page.insert_many([{"name": n, "title": title_of(s, n), "created": now, "updated": now}
                              for n, s in chunk]).execute()
            ids = dict(Page.select(Page.name, Page.id).where(Page.name.in_([n for n, _ in chunk])).tuples())
            Revision.insert_many([{"page": ids[n], "number": 1, "source": s, "title": title_of(s, n),
                                   "author": "bench", "created": now, "action": "import",
                                   "size": len(s.encode())} for n, s in chunk]).execute()
            links = [{"source": ids[n], "target": t} for n, s in chunk for t in link_targets(s) - {n}]
            for j in range(0, len(links), 5000):
                Link.insert_many(links[j:j + 5000]).execute()
        database.execute_sql("UPDATE page SET revision = (SELECT id FROM revision r WHERE r.page_id = page.id) "
                             "WHERE revision IS NULL")
    return app, token, {"save_page_pages": sample, "save_page_s": round(sample_s, 1),
                        "save_page_ms_each": round(1000 * sample_s / max(1, sample), 1),
                        "bulk_pages": len(items) - sample, "bulk_s": round(time.perf_counter() - t0, 1)}


# -- processes and measurements ----------------------------------------------------------------
def indexed_instance(folder, n_pages):
    """The corpus of `n_pages` built in `folder` and fully indexed, for the benches that serve it
    (stats.py, load.py): the app, the page names, the build figures. Connections closed after."""
    from wiki.db import database
    from wiki.indexing import reindex
    pages = corpus.generate(n_pages)
    app, _token, figures = build(folder, pages)
    with app.app_context():
        reindex()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")   # (SQLite) a copy of the folder gets every row
    database.close()
    return app, list(pages), figures


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """gunicorn masters in their own sessions (a terminal Ctrl-C doesn't reach them): stop() kills the groups."""

    def __init__(self):
        self.procs = []

    def start(self, args, url, log=None):
        """Start `python args...` and wait until `url` answers; `log`: a file for its output
        (else stderr is kept for the error message), needed for a process that logs much; `url`
        None: no wait."""
        out = open(log, "ab") if log else None
        proc = subprocess.Popen([sys.executable, *args], cwd=HERE.parent, start_new_session=True,
                                stdout=out or subprocess.DEVNULL, stderr=out or subprocess.PIPE)
        if out:
            out.close()           # the child has its own copy
        self.procs.append(proc)
        if url is None:           # a process with no address (a queue worker): the caller waits
            return proc
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                err = Path(log).read_bytes() if log else proc.stderr.read()
                raise RuntimeError(f"server {args[-2:]} died: {err.decode(errors='replace')[-2000:]}")
            try:
                requests.get(url, timeout=5)
                return proc
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError(f"server {args[-2:]} did not answer in 60 s")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def children(pid):
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return out


def worker_memory(master):
    """VmRSS (and its anonymous / file-mapped parts) in MB of each worker, the master's children."""
    out = []
    for pid in children(master):
        status = Path(f"/proc/{pid}/status").read_text()
        kb = {k: int(v) for k, v in re.findall(r"^(VmRSS|RssAnon|RssFile):\s+(\d+) kB", status, re.M)}
        out.append({k.replace("Vm", "").lower(): round(v / 1024, 1) for k, v in kb.items()})
    return sorted(out, key=lambda m: -m["rss"])


def cpu_seconds(master):
    """CPU time used so far by a gunicorn master and its workers (load-independent cost)."""
    total = 0
    for pid in [master, *children(master)]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])      # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def path_cycle_script(folder, paths):
    """A wrk Lua script requesting `paths` in turn: every request a different page (view-cache misses)."""
    script = Path(folder) / "cycle.lua"
    quoted = ",".join(f'"{p}"' for p in paths)
    script.write_text(f"local paths = {{{quoted}}}\nlocal i = 0\n"
                      "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n")
    return str(script)


def wrk(url, seconds, master=None, script=None, headers=(), connections=WRK_CONNECTIONS, threads=1):
    """One wrk run (1 thread, a few connections): req/s, latency percentiles in ms, server CPU per request."""
    cpu0 = cpu_seconds(master) if master else 0
    extra = ["-s", script] if script else []
    for header in headers:
        extra += ["-H", header]
    res = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency",
                          *extra, url], capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    cpu = cpu_seconds(master) - cpu0 if master else 0
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    pct = {p: float(v) * unit[u] for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", res, re.M)}
    n = int(re.search(r"(\d+) requests in", res).group(1))
    bad, errors = re.search(r"Non-2xx or 3xx responses: (\d+)", res), re.search(r"Socket errors: (.*)", res)
    p95 = re.search(r"^P95_US (\d+)$", res, re.M)          # printed by a script's done() (bench/load.py)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", res).group(1)), "p50_ms": pct["50"],
            "p95_ms": int(p95.group(1)) / 1000 if p95 else None, "p90_ms": pct["90"],
            "p99_ms": pct["99"], "requests": n, "server_cpu_ms_per_req": round(1000 * cpu / max(1, n), 3),
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


def timed(fn, items, budget_s=PHASE_BUDGET_S):
    """Per-call latencies in ms: p50 and p95 (stops early after budget_s; n says how many ran)."""
    lat, stop = [], time.perf_counter() + budget_s
    for item in items:
        if lat and time.perf_counter() > stop:
            break
        t0 = time.perf_counter()
        fn(item)
        lat.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"n": len(lat), "p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2), "max_ms": round(max(lat), 2)}


def code_version(extra=()):
    """The app code measured: git HEAD plus a hash of wiki/, themes/ and `extra` globs (the tree
    may hold uncommitted work)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent, capture_output=True,
                          text=True).stdout.strip()
    h = hashlib.sha256()
    globs = ("wiki/**/*.py", "themes/**/*.html", *extra)
    for f in sorted(f for g in globs for f in HERE.parent.glob(g)):
        h.update(f.read_bytes())
    return f"{head}+{h.hexdigest()[:12]}"


# -- the run -----------------------------------------------------------------------------------
def run(args, tmp, servers):
    r = {"config": vars(args) | {"cpus": os.cpu_count(), "code": code_version(), "loadavg_start": os.getloadavg()}}
    t_start = time.time()
    pages = corpus.generate(args.pages)
    names, sources, rng = list(pages), dict(pages), random.Random(1)
    typical = names[0]
    print(f"generated {len(pages)} pages, {sum(len(s.split()) for s in pages.values()) // len(pages)} words on average",
          flush=True)
    app, token, r["build"] = build(tmp / "wiki", pages)
    print(f"built: {r['build']}", flush=True)

    from wiki.content.pages import save_page
    from wiki.indexing import reindex
    from wiki.models import Page
    with app.app_context():
        t0 = time.perf_counter()
        r["reindex"] = {"pages": reindex(), "seconds": round(time.perf_counter() - t0, 1)}
        revs = dict(Page.select(Page.name, Page.revision).where(Page.name.in_(names[1:1 + 2 * SAVE_PAGES])).tuples())
    print(f"reindex: {r['reindex']}", flush=True)

    # In-process saves and searches: the app's own cost, without HTTP.
    def save_local(i):
        nm = names[1 + SAVE_PAGES + i % SAVE_PAGES]
        sources[nm] = corpus.edit(sources[nm], rng)
        with app.test_request_context():
            revs[nm] = save_page(nm, sources[nm], base_revision=revs[nm], comment="bench", author="bench").revision.id
    r["save_inprocess"] = timed(save_local, range(N_SAVES))
    index, qs = app.extensions["bocage.search"], corpus.queries(N_SEARCHES + 10)
    warm, qs = qs[:10], qs[10:]   # distinct queries: the warm-up ones open the searcher, none is timed twice
    for q in warm[:5]:
        index.search(q)
    r["search_inprocess"] = timed(index.search, qs)
    r["hits_per_query"] = round(statistics.fmean(index.search(q).total for q in qs), 1)
    print(f"in-process: save {r['save_inprocess']}, search {r['search_inprocess']}", flush=True)

    # Page views: the wiki and the minimal app under the same gunicorn settings, rounds alternated.
    wiki_port, min_port = free_port(), free_port()
    wiki_url = f"http://127.0.0.1:{wiki_port}/wiki/{typical}"
    wiki_proc = servers.start(["-c", SERVE_WIKI, str(tmp / "wiki"), str(wiki_port)], wiki_url)
    page = requests.get(wiki_url, timeout=10)
    page.raise_for_status()
    min_url = f"http://127.0.0.1:{min_port}/wiki/{typical}"
    min_proc = servers.start([str(HERE / "minimal_app.py"), str(min_port), str(len(page.content))], min_url)
    assert len(requests.get(min_url, timeout=10).content) == len(page.content)
    procs, runs = {"minimal": (min_url, min_proc.pid), "wiki": (wiki_url, wiki_proc.pid)}, {"minimal": [], "wiki": []}
    for url, pid in procs.values():
        wrk(url, WARMUP_S, pid)
    for _ in range(ROUNDS):
        for kind, (url, pid) in procs.items():
            runs[kind].append(wrk(url, args.seconds, pid))
    pv = r["page_view"] = {"page": typical, "bytes": len(page.content), "toc": 'class="toc"' in page.text,
                           "wikilinks": page.text.count('class="wikilink'), "words": len(pages[typical].split())}
    for kind in runs:
        for key in ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_req"):
            pv[f"{kind}_{key}"] = round(statistics.fmean(x[key] for x in runs[kind]), 3)
    pv["ratio"] = round(pv["wiki_rps"] / pv["minimal_rps"], 3)
    pv["cpu_ratio"] = round(pv["minimal_server_cpu_ms_per_req"] / pv["wiki_server_cpu_ms_per_req"], 3)
    pv["rounds"] = runs
    # The same, each request for another of 2,000 pages: more than a worker's view cache holds, so
    # every view is rendered (links resolved, template filled): the figure after content changes.
    script = path_cycle_script(tmp, [f"/wiki/{nm}" for nm in names[1:2001]])
    cold = {kind: wrk(url, args.seconds, pid, script) for kind, (url, pid) in procs.items()}
    pv["uncached_wiki_rps"], pv["uncached_minimal_rps"] = cold["wiki"]["rps"], cold["minimal"]["rps"]
    pv["uncached_wiki_p50_ms"] = cold["wiki"]["p50_ms"]
    pv["uncached_wiki_server_cpu_ms_per_req"] = cold["wiki"]["server_cpu_ms_per_req"]
    pv["uncached_ratio"] = round(cold["wiki"]["rps"] / cold["minimal"]["rps"], 3)
    pv["uncached_non_2xx"] = cold["wiki"]["non_2xx"]
    r["worker_memory_after_views"] = worker_memory(wiki_proc.pid)
    print("page view: " + json.dumps({k: v for k, v in pv.items() if k != "rounds"}), flush=True)

    # Saves and searches through the API of the wiki's gunicorn: one client thread, keep-alive.
    http, base = requests.Session(), f"http://127.0.0.1:{wiki_port}/api"
    http.headers["Authorization"] = f"Bearer {token}"
    for nm in names[1:1 + SAVE_PAGES]:
        revs[nm] = http.get(f"{base}/pages/{nm}", timeout=10).json()["revision"]

    def save_http(i):
        nm = names[1 + i % SAVE_PAGES]
        sources[nm] = corpus.edit(sources[nm], rng)
        resp = http.put(f"{base}/pages/{nm}", json={"source": sources[nm], "base_revision": revs[nm],
                                                    "comment": "bench"}, timeout=30)
        resp.raise_for_status()
        revs[nm] = resp.json()["revision"]

    def search_http(q):
        http.get(f"{base}/search", params={"q": q}, timeout=30).raise_for_status()
    r["save_http"] = timed(save_http, range(N_SAVES))
    for q in warm[5:]:
        search_http(q)
    r["search_http"] = timed(search_http, qs)
    r["worker_memory_end"] = worker_memory(wiki_proc.pid)
    r["config"]["loadavg_end"], r["elapsed_s"] = os.getloadavg(), round(time.time() - t_start, 1)
    return r


def table(rows, label_width=42, value_width=15) -> dict:
    """Print rows (label, value, target: (">=" or "<=", number) or None) with PASS/MISS; the verdicts."""
    verdicts = {}
    print(f"\n{'figure':<{label_width}} {'value':>{value_width}} {'target':>8}  verdict")
    for label, value, target in rows:
        verdict = ""
        if target:
            verdict = "PASS" if (value >= target[1] if target[0] == ">=" else value <= target[1]) else "MISS"
            verdicts[label.strip()] = {"value": value, "target": f"{target[0]} {target[1]}", "verdict": verdict}
        print(f"{label:<{label_width}} {value!s:>{value_width}} {' '.join(map(str, target)) if target else '':>8}  {verdict}")
    return verdicts


def harness(args, run, report, prefix):
    """Run `run(args, tmp, servers)` in a temp folder, then `report`, then write args.out; the
    servers and the folder are removed on exit, Ctrl-C, SIGTERM or failure. Needs wrk."""
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    signal.signal(signal.SIGINT, signal.default_int_handler)   # Ctrl-C raises even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # and so does kill: the finally block cleans up
    tmp, servers = Path(tempfile.mkdtemp(prefix=prefix)), Servers()
    try:
        result = run(args, tmp, servers)
    finally:
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    report(result)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {args.out}")


def report(r):
    """The table, with PASS/MISS against the targets (also stored in r['verdicts'])."""
    pv, t = r["page_view"], TARGETS
    rss = r["worker_memory_after_views"][0]["rss"]
    rows = [
        (f"full reindex, {r['reindex']['pages']} pages (s)", r["reindex"]["seconds"], None),
        ("page view, wiki (req/s)", pv["wiki_rps"], None),
        ("page view, minimal Flask (req/s)", pv["minimal_rps"], None),
        ("page view ratio wiki/minimal", pv["ratio"], (">=", t["ratio"])),
        ("page view, 2,000 distinct pages: wiki/minimal", pv["uncached_ratio"], None),
        ("  wiki req/s, p50 (ms), CPU/request (ms)",
         f"{pv['uncached_wiki_rps']:.0f}, {pv['uncached_wiki_p50_ms']:.1f}, "
         f"{pv['uncached_wiki_server_cpu_ms_per_req']:.2f}", None),
        ("page view, wiki p50 / p99 (ms)", f"{pv['wiki_p50_ms']:.1f} / {pv['wiki_p99_ms']:.1f}", None),
        ("page view, minimal p50 / p99 (ms)", f"{pv['minimal_p50_ms']:.1f} / {pv['minimal_p99_ms']:.1f}", None),
        ("server CPU/request wiki / minimal (ms)",
         f"{pv['wiki_server_cpu_ms_per_req']:.2f} / {pv['minimal_server_cpu_ms_per_req']:.2f}", None),
        ("save p50, HTTP API (ms)", r["save_http"]["p50_ms"], ("<=", t["save_p50_ms"])),
        ("save p95, HTTP API (ms)", r["save_http"]["p95_ms"], None),
        ("save p50 / p95, in-process (ms)", f"{r['save_inprocess']['p50_ms']:.1f} / {r['save_inprocess']['p95_ms']:.1f}", None),
        ("search p50, HTTP API (ms)", r["search_http"]["p50_ms"], ("<=", t["search_p50_ms"])),
        ("search p95, HTTP API (ms)", r["search_http"]["p95_ms"], None),
        ("search p50 / p95, in-process (ms)",
         f"{r['search_inprocess']['p50_ms']:.1f} / {r['search_inprocess']['p95_ms']:.1f}", None),
        ("worker RSS after page views (MB, max)", rss, ("<=", t["rss_mb"])),
    ]
    r["verdicts"] = table(rows)
    end = ", ".join(f"{m['rss']} MB ({m['rssanon']} anon + {m['rssfile']} file)" for m in r["worker_memory_end"])
    la = r["config"]
    print(f"\npage {pv['page']}: {pv['bytes']} bytes, {pv['words']} words, toc={pv['toc']}, {pv['wikilinks']} wiki links."
          f"\nworker RSS after saves+searches: {end}.\n{r['hits_per_query']} hits per query on average. "
          f"Load average {la['loadavg_start'][0]:.2f} -> {la['loadavg_end'][0]:.2f} on {la['cpus']} CPUs "
          f"(other processes skew req/s; CPU/request does not). Code {la['code']}, {r['elapsed_s']} s.")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=10_000)
    p.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    p.add_argument("--out", default=str(HERE / "results.json"))
    harness(p.parse_args(), run, report, "bocage-bench-")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, temp folder removed")
