"""CSV import of fiches: in the browser (check, then import) and with `bocage import-csv`."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import csrf_token

ROOT = Path(__file__).resolve().parents[1]
GOOD = ("titre,categorie,lieu.adresse,lieu.lat,lieu.lon,tags\n"
        "La Fabrik,Tiers-lieu,Quai Duguay-Trouin,47.6512,-2.0836,fablab ; coworking\n"
        "Mairie de Pipriac,Service public,Place de la mairie,47.8094,-1.9466,\n")
BAD = GOOD + ("Sans nom,Catégorie inconnue,Rue,47.6,-2.0,\n"
              "Trop au nord,Commerce,Rue,147.6,-2.0,\n")


def _post(client, data, path="/fiches/lieux/import"):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data},
                       content_type="multipart/form-data")


def _upload(text):
    import io
    return (io.BytesIO(text.encode("utf-8")), "lieux.csv")


def test_check_first_then_import(client):
    r = _post(client, {"file": _upload(GOOD), "action": "check"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "La Fabrik" in html and "Mairie de Pipriac" in html      # the preview
    assert client.get("/api/forms/lieux/entries").get_json()["total"] == 0   # nothing saved yet
    kept = re.search(r'<textarea name="csv_text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    r = _post(client, {"csv_text": kept.replace("&amp;", "&"), "action": "import"})
    assert r.status_code == 302
    data = client.get("/api/forms/lieux/entries").get_json()
    assert sorted(e["name"] for e in data["entries"]) == ["la-fabrik", "mairie-de-pipriac"]
    fabrik = client.get("/api/entries/la-fabrik").get_json()["values"]
    assert fabrik["tags"] == ["fablab", "coworking"] and fabrik["lieu"]["lat"] == 47.6512


def test_bad_lines_are_reported_and_nothing_is_saved_unless_asked(client):
    r = _post(client, {"file": _upload(BAD), "action": "import"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert re.search(r"<td>4</td><td>[^<]*Catégorie inconnue", html)
    assert re.search(r"<td>5</td><td>[^<]*(latitude|Latitude)", html)
    assert client.get("/api/forms/lieux/entries").get_json()["total"] == 0
    r = _post(client, {"file": _upload(BAD), "action": "import", "keep_going": "1"})
    assert r.status_code == 302
    assert client.get("/api/forms/lieux/entries").get_json()["total"] == 2


def test_semicolon_separated_and_windows_encoding(client):
    text = GOOD.replace(",", ";").replace(" ; ", " , ").replace("Pipriac", "Pipriac-lès-Bains")
    r = _post(client, {"file": (__import__("io").BytesIO(text.encode("cp1252")), "x.csv"), "action": "import"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    names = [e["title"] for e in client.get("/api/forms/lieux/entries").get_json()["entries"]]
    assert "Mairie de Pipriac-lès-Bains" in names


def test_an_export_imports_back_as_updates(client, token):
    _post(client, {"file": _upload(GOOD), "action": "import"})
    exported = client.get("/api/forms/lieux/entries.csv").get_data(as_text=True)
    r = _post(client, {"file": _upload(exported.replace("Quai Duguay-Trouin", "Quai Surcouf")),
                       "action": "import"})
    assert r.status_code == 302
    assert client.get("/api/forms/lieux/entries").get_json()["total"] == 2
    assert client.get("/api/entries/la-fabrik").get_json()["values"]["lieu"]["adresse"] == "Quai Surcouf"
    history = client.get("/api/pages/la-fabrik/revisions").get_json()["revisions"]
    assert len(history) == 2


def test_empty_upload_and_unknown_form(client):
    r = _post(client, {"action": "check"})
    assert r.status_code == 400 and 'class="flash error"' in r.get_data(as_text=True)
    assert client.get("/fiches/nope/import").status_code == 404


@pytest.mark.sqlite_only
def test_cli_import(instance_dir, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    run = lambda *args: subprocess.run([sys.executable, "-m", "wiki.cli", *args], cwd=ROOT,
                                       capture_output=True, text=True, timeout=120)
    r = run("import-csv", str(instance_dir), "lieux", str(bad))
    assert r.returncode == 1
    assert "line 4" in r.stderr and "line 5" in r.stderr and "nothing saved" in r.stderr
    r = run("import-csv", str(instance_dir), "lieux", str(good), "--dry-run")
    assert r.returncode == 0 and "0 created" in r.stdout
    r = run("import-csv", str(instance_dir), "lieux", str(good))
    assert r.returncode == 0 and "2 created" in r.stdout, r.stdout + r.stderr
    r = run("import-csv", str(instance_dir), "nope", str(good))
    assert r.returncode != 0 and "no form" in r.stderr
