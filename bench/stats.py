"""Does counting page views (and checking rights) slow pages down? Page views of a 10,000-page
instance served three ways, side by side, rounds alternated:

    off    [statistics] enabled = false, no access rule
    on     statistics on (the default), no access rule
    rules  statistics on, and access rules (a private page, a locked page, a reserved form)

    .venv/bin/python bench/stats.py [--pages 10000] [--seconds 3] [--rounds 8] [--out bench/stats-results.json]

Each server is the production one (gunicorn, 2 workers) on its own copy of the same instance.
wrk sends a browser's User-Agent (wrk's own is a program's, and programs are not counted), over
one page (served from the page-view cache) and over 2,000 distinct pages (rendered). Target: with
statistics on, ≥ 95 % of the throughput with them off; the server CPU per request is the figure
that other processes on the machine do not move. Two server processes of the same code differ
by 5–10 % on a shared VM (and one process keeps its luck), more than the effect looked for, so
each of the 8 rounds starts the three servers afresh (warmed 3 s), runs them in turn for 3 s per
shape (the order reversed every other round) and stops them; the ratio reported is the median
of the rounds' own ratios (each round's "on" against the same round's "off"), with the lowest
and highest. At the end the bench reads page_view_day: the "on" copy must hold the views wrk
made, the "off" copy none (a bench that counts nothing passes for nothing). Needs wrk; talks to
127.0.0.1 only.
"""
import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.append(str(Path(__file__).resolve().parent))   # last: bench/federation.py must not shadow the package
import run as bench  # noqa: E402  (bench/run.py: the corpus, the build, wrk, the servers)

BROWSER = "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
KINDS, SHAPES, TARGET = ("off", "on", "rules"), ("cached", "distinct"), 0.95


def _configure(folder: Path, kind: str, names: list[str]) -> None:
    if kind == "off":
        with (folder / "instance.toml").open("a", encoding="utf-8") as f:
            f.write("\n[statistics]\nenabled = false\n")
    if kind == "rules":
        from wiki import create_app, rights_rules
        from wiki.db import database
        with create_app(folder).test_request_context("/"):
            database.connect(reuse_if_open=True)
            rights_rules.set_rule(f"page:{names[-1]}", "admins", "admins")     # private
            rights_rules.set_rule(f"page:{names[-2]}", "all", "admins")        # locked
            rights_rules.set_rule("form:agenda", "all", "moderators")          # reserved form
            database.close()


def _views(folder: Path) -> int:
    import sqlite3
    with sqlite3.connect(folder / "data" / "bocage.db") as db:
        return db.execute("SELECT COALESCE(SUM(views), 0) FROM page_view_day").fetchone()[0]


def _paired_ratios(off_runs, kind_runs):
    """Each round's ratio to the same round's "off" (throughput: off's CPU per request over this
    one's, this one's req/s over off's): their median, lowest and highest."""
    out = {}
    for key, of in (("cpu", lambda off, me: off["server_cpu_ms_per_req"] / me["server_cpu_ms_per_req"]),
                    ("rps", lambda off, me: me["rps"] / off["rps"])):
        xs = [of(off, me) for off, me in zip(off_runs, kind_runs)]
        out[key], out[f"{key}_min"], out[f"{key}_max"] = (round(statistics.median(xs), 3),
                                                           round(min(xs), 3), round(max(xs), 3))
    return out


def _start(servers, folder: Path, first: str):
    """A server on `folder` (gunicorn, 2 workers), answering: (url of page `first`, master pid)."""
    port = bench.free_port()
    url = f"http://127.0.0.1:{port}/wiki/{first}"
    pid = servers.start(["-c", bench.SERVE_WIKI, str(folder), str(port)], url).pid
    assert requests.get(url, timeout=10, headers=dict([BROWSER.split(": ")])).status_code == 200
    return url, pid


def run(args, tmp, servers):
    r = {"config": vars(args) | {"code": bench.code_version(), "loadavg_start": bench.os.getloadavg()}}
    _app, names, r["build"] = bench.indexed_instance(tmp / "off", args.pages)
    for kind in KINDS[1:]:
        shutil.copytree(tmp / "off", tmp / kind)
    for kind in KINDS:
        _configure(tmp / kind, kind, names)
    script = bench.path_cycle_script(tmp, [f"/wiki/{nm}" for nm in names[1:2001]])
    runs = {(kind, shape): [] for kind in KINDS for shape in SHAPES}
    requested = dict.fromkeys(KINDS, 0)
    for i in range(args.rounds):
        order = KINDS if i % 2 == 0 else KINDS[::-1]
        procs = {kind: _start(servers, tmp / kind, names[0]) for kind in order}   # fresh processes
        for kind, (url, pid) in procs.items():
            requested[kind] += 1 + sum(bench.wrk(url, seconds, pid, warm_script, headers=[BROWSER])["requests"]
                                       for seconds, warm_script in ((1, None), (2, script)))   # 1: the check
        for shape in SHAPES:
            for kind in order:
                url, pid = procs[kind]
                x = bench.wrk(url, args.seconds, pid, script if shape == "distinct" else None, headers=[BROWSER])
                runs[kind, shape].append(x)
                requested[kind] += x["requests"]
        servers.stop()               # the workers write what they still hold at exit
    time.sleep(1)
    r["views_written"] = {kind: _views(tmp / kind) for kind in KINDS}
    r["requests"] = requested
    fig = r["figures"] = {}
    for (kind, shape), xs in runs.items():
        fig[f"{kind}_{shape}"] = {key: round(statistics.fmean(x[key] for x in xs), 3)
                                  for key in ("rps", "p50_ms", "p99_ms", "server_cpu_ms_per_req")}
        fig[f"{kind}_{shape}"]["non_2xx"] = sum(x["non_2xx"] for x in xs)
    for shape in SHAPES:
        for kind in KINDS[1:]:
            fig[f"ratio_{kind}_{shape}"] = _paired_ratios(runs["off", shape], runs[kind, shape])
    r["rounds"] = {f"{k}_{s}": v for (k, s), v in runs.items()}
    r["config"]["loadavg_end"] = bench.os.getloadavg()
    return r


def report(r):
    f, rows = r["figures"], []
    for shape, label in (("cached", "one page (page-view cache)"), ("distinct", "2,000 pages (rendered)")):
        for kind in KINDS:
            x = f[f"{kind}_{shape}"]
            rows.append((f"{label}, {kind}: req/s, CPU ms/req",
                         f"{x['rps']:.0f}, {x['server_cpu_ms_per_req']:.2f}", None))
        for kind in KINDS[1:]:
            ratio = f[f"ratio_{kind}_{shape}"]
            rows.append((f"  {kind}/off by CPU per request (median)", ratio["cpu"], (">=", TARGET)))
            rows.append((f"    rounds' lowest, highest", f"{ratio['cpu_min']}, {ratio['cpu_max']}", None))
            rows.append((f"  {kind}/off by req/s (median)", ratio["rps"], None))
    views, asked = r["views_written"], r["requests"]
    rows.append(("views written, on (of requests)", f"{views['on']} / {asked['on']}", None))
    rows.append(("views written, off", views["off"], ("<=", 0)))
    rows.append(("views written / requests, on", round(views["on"] / max(1, asked["on"]), 3), (">=", 0.99)))
    r["verdicts"] = bench.table(rows, label_width=48)
    c = r["config"]
    print(f"\nLoad average {c['loadavg_start'][0]:.2f} -> {c['loadavg_end'][0]:.2f}; code {c['code']}.")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=10_000)
    p.add_argument("--seconds", type=int, default=3, help="duration of each wrk run")
    p.add_argument("--rounds", type=int, default=8, help="rounds of the three servers, each shape")
    p.add_argument("--out", default=str(bench.HERE / "stats-results.json"))
    bench.harness(p.parse_args(), run, report, "bocage-stats-")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped, temp folder removed")
