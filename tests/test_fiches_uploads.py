"""Images and files of fiches: sent with the fiche's form, checked, kept as its attachments."""
import io
import json
import re

from conftest import csrf_token
from tests_helpers import PNG

NEW = "/fiches/initiatives/new"


def _send(client, path, **fields):
    data = {"csrf_token": csrf_token(client, path), "f-titre": "Jardin partagé des Cormiers", **fields}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_an_image_is_checked_saved_and_shown(client):
    r = _send(client, NEW, **{"f-image.upload": (io.BytesIO(PNG), "Le jardin.png")})
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    html = client.get("/wiki/jardin-partage-des-cormiers").get_data(as_text=True)
    assert '<img class="fiche-image" src="/wiki/jardin-partage-des-cormiers/files/le-jardin.png"' in html
    image = client.get("/wiki/jardin-partage-des-cormiers/files/le-jardin.png")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert ld["image"].endswith("/wiki/jardin-partage-des-cormiers/files/le-jardin.png")


def test_a_file_that_is_not_an_image_is_refused_next_to_the_field_and_nothing_is_saved(client):
    r = _send(client, NEW, **{"f-porteur": "Collectif du quartier",
                              "f-image.upload": (io.BytesIO(b"%PDF-1.4 pas une image"), "affiche.png")})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert re.search(r'id="err-image"[^>]*>[^<]*PNG', html), html[:3000]
    assert 'value="Collectif du quartier"' in html                 # what was typed is kept
    assert client.get("/wiki/jardin-partage-des-cormiers").status_code == 404
    r = _send(client, NEW, **{"f-image.upload": (io.BytesIO(b"texte"), "notes.txt")})
    assert r.status_code == 400 and 'id="err-image"' in r.get_data(as_text=True)


def test_an_oversize_image_is_refused(app, client):
    app.extensions["bocage.instance"].max_upload_mb = 0.0001
    r = _send(client, NEW, **{"f-image.upload": (io.BytesIO(PNG + b"\0" * 500), "grand.png")})
    assert r.status_code == 400 and 'id="err-image"' in r.get_data(as_text=True)


def test_the_image_stays_when_editing_and_can_be_removed(client):
    _send(client, NEW, **{"f-image.upload": (io.BytesIO(PNG), "jardin.png")})
    edit = client.get("/wiki/jardin-partage-des-cormiers/edit").get_data(as_text=True)
    assert 'name="f-image" value="jardin.png"' in edit
    base = re.search(r'name="base_revision" value="(\d+)"', edit).group(1)
    path = "/wiki/jardin-partage-des-cormiers/edit"
    r = _send(client, path, **{"base_revision": base, "f-image": "jardin.png", "f-porteur": "Voisins"})
    assert r.status_code == 302
    values = client.get("/api/entries/jardin-partage-des-cormiers").get_json()["values"]
    assert values["image"] == "jardin.png" and values["porteur"] == "Voisins"
    edit = client.get(path).get_data(as_text=True)
    base = re.search(r'name="base_revision" value="(\d+)"', edit).group(1)
    r = _send(client, path, **{"base_revision": base, "f-image": "jardin.png", "f-image.remove": "1",
                               "f-porteur": "Voisins"})
    assert r.status_code == 302
    assert "image" not in client.get("/api/entries/jardin-partage-des-cormiers").get_json()["values"]
