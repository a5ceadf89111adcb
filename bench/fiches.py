"""Fiches benchmark: 5,000 initiatives, 5,000 events and 10,000 places, then the views' latency.

    .venv/bin/python bench/fiches.py [--scale 1.0] [--out bench/fiches-results.json]

Builds a temporary instance through the real CSV import (the timed "import 5,000 lines" figure
is the initiatives file; events spread over 30 months, 5% of them repeating weekly or monthly),
then measures in-process, through the app's test client (the server's own cost, no network):
the list with facets (six URLs: no filter, one and several facets, words, a page of places, the
table layout), the GeoJSON of all places, the twelve months of 2027. Lists and months are
measured with the page-view cache emptied before each request (the figure that counts: the
first view after a change) and again cached. Targets from issue 3: list p50 <= 50 ms, GeoJSON of 10,000 places
<= 100 ms, agenda month <= 50 ms, CSV import of 5,000 lines <= 10 s. Only 127.0.0.1 is involved
(no server at all); the temp folder is removed at the end.
"""
import argparse
import csv
import io
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

WORDS = ("atelier jardin partagé vélo réparation marché producteurs covoiturage bibliothèque "
         "tiers-lieu fablab café associatif épicerie solidaire recyclerie chantier haie bocage "
         "verger conserverie cantine navette mobilité énergie solaire école musique théâtre "
         "randonnée rivière canal lavoir moulin forge grange halle place bourg hameau").split()
CATEGORIES = ["Tiers-lieu", "Service public", "France services", "Santé", "Covoiturage et mobilité",
              "Commerce", "Marché", "Alimentation locale", "Culture et loisirs", "Associations"]
TARGETS = {"list_p50_ms": 50, "geojson_ms": 100, "agenda_p50_ms": 50, "import_s": 10}


def communes(n=30):
    return [f"Commune {i:02d}" for i in range(1, n + 1)]


def _title(rng):
    return " ".join(rng.sample(WORDS, 3)).capitalize() + f" {rng.randrange(1000)}"


def _place(rng):
    return {"lieu.adresse": f"{rng.randrange(1, 80)} rue du {rng.choice(WORDS)}",
            "lieu.lat": f"{rng.uniform(47.4, 47.9):.5f}", "lieu.lon": f"{rng.uniform(-2.4, -1.8):.5f}"}


def rows(kind, n, themes, seed):
    rng, towns = random.Random(seed), communes()
    start = date(2026, 1, 1)
    for _ in range(n):
        row = {"titre": _title(rng), "commune": rng.choice(towns), "tags": " ; ".join(rng.sample(WORDS, 2)),
               "description": " ".join(rng.choices(WORDS, k=40)), **_place(rng)}
        if kind in ("initiatives", "agenda"):
            row["themes"] = " ; ".join(rng.sample(themes, rng.randint(1, 3)))
        if kind == "agenda":     # 30 months of an agenda (the past is its archive), 5% repeating
            day = start + timedelta(days=rng.randrange(912))
            row["dates.debut"], row["dates.fin"] = f"{day}T{rng.randint(8, 20):02d}:00", f"{day}T22:00"
            if rng.random() < 0.05:
                row["recurrence"] = rng.choice(["FREQ=WEEKLY", "FREQ=MONTHLY;BYDAY=1SA"])
        if kind == "lieux":
            row["categorie"] = rng.choice(CATEGORIES)
        yield row


def to_csv(items) -> str:
    items = list(items)
    header = sorted({k for row in items for k in row})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(items)
    return out.getvalue()


def timed(client, urls, repeat, cache=None):
    """p50/p95 over the urls; with `cache` (the app's view cache) it is emptied before each
    request: the cost of a first view after a change, not of a cached page."""
    lat = []
    for _ in range(repeat):
        for url in urls:
            if cache is not None:
                cache.bump()
            t0 = time.perf_counter()
            response = client.get(url)
            lat.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code, response.data[:300])
    return {"n": len(lat), "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(sorted(lat)[int(0.95 * (len(lat) - 1))], 1)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the volumes (0.1 for a quick run)")
    p.add_argument("--out", default=str(HERE / "fiches-results.json"))
    args = p.parse_args()
    from wiki import create_app
    from wiki.fiches.csvio import import_csv
    from wiki.instance import init_instance

    tmp = Path(tempfile.mkdtemp(prefix="bocage-bench-fiches-"))
    result = {"scale": args.scale}
    try:
        folder = tmp / "wiki"
        init_instance(folder, "Territoire de banc d'essai", "127.0.0.1")
        (folder / "lists.toml").write_text("[communes]\nvalues = [%s]\n" % ", ".join(f'"{c}"' for c in communes()),
                                           encoding="utf-8")
        app = create_app(folder, config={"TESTING": True})
        catalogue = app.extensions["bocage.catalogue"]
        themes = list(catalogue.values("themes"))
        volumes = {"initiatives": 5000, "agenda": 5000, "lieux": 10000}
        with app.test_request_context():
            for kind, n in volumes.items():
                text = to_csv(rows(kind, int(n * args.scale), themes, seed=len(kind)))
                t0 = time.perf_counter()
                report = import_csv(catalogue.form(kind), text, apply=True)
                seconds = time.perf_counter() - t0
                assert not report.errors, report.errors[:3]
                result[f"import_{kind}"] = {"lines": len(report.created), "seconds": round(seconds, 1),
                                            "ms_per_line": round(1000 * seconds / max(1, len(report.created)), 2)}
                print(f"imported {kind}: {result[f'import_{kind}']}", flush=True)
        client = app.test_client()
        filters = ["/fiches/initiatives", "/fiches/initiatives?themes=Mobilité",
                   "/fiches/initiatives?themes=Mobilité&themes=Énergie&commune=Commune%2003",
                   "/fiches/initiatives?q=jardin", "/fiches/lieux?categorie=Tiers-lieu&page=3",
                   "/fiches/initiatives?layout=table&sort=updated"]
        for url in filters:     # warm-up: templates compiled, caches of the process filled
            client.get(url)
        cache = app.extensions["bocage.viewcache"]
        result["list_with_facets"] = timed(client, filters, 5, cache)
        result["list_with_facets_cached"] = timed(client, filters, 5)
        client.get("/api/forms/lieux/entries.geojson")
        result["geojson_all_places"] = timed(client, ["/api/forms/lieux/entries.geojson"], 5)
        features = len(json.loads(client.get("/api/forms/lieux/entries.geojson").data)["features"])
        result["geojson_all_places"]["features"] = features
        months = [f"/fiches/agenda/agenda?mois=2027-{m:02d}" for m in range(1, 13)]
        result["agenda_month"] = timed(client, months, 2, cache)
        result["agenda_month_cached"] = timed(client, months, 2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report_table(result, args.scale)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {args.out}")


def report_table(r, scale):
    rows_ = [("CSV import, 5,000 initiatives (s)", r["import_initiatives"]["seconds"], "<=", TARGETS["import_s"] * scale),
             ("list with facets p50 (ms)", r["list_with_facets"]["p50_ms"], "<=", TARGETS["list_p50_ms"]),
             ("list with facets p95 (ms)", r["list_with_facets"]["p95_ms"], None, None),
             ("  the same, page cached: p50 (ms)", r["list_with_facets_cached"]["p50_ms"], None, None),
             (f"GeoJSON, {r['geojson_all_places']['features']} places p50 (ms)", r["geojson_all_places"]["p50_ms"],
              "<=", TARGETS["geojson_ms"])]
    rows_.append(("agenda month p50 (ms)", r["agenda_month"]["p50_ms"], "<=", TARGETS["agenda_p50_ms"]))
    rows_.append(("  the same, page cached: p50 (ms)", r["agenda_month_cached"]["p50_ms"], None, None))
    r["verdicts"] = {}
    print(f"\n{'figure':<42} {'value':>9} {'target':>8}  verdict")
    for label, value, op, target in rows_:
        verdict = "" if op is None else ("PASS" if value <= target else "MISS")
        if op:
            r["verdicts"][label] = {"value": value, "target": f"<= {target:g}", "verdict": verdict}
        print(f"{label:<42} {value!s:>9} {'' if op is None else f'<= {target:g}':>8}  {verdict}")


if __name__ == "__main__":
    main()
