"""Files attached to pages: limits, real content checks, safe serving."""
import io

from conftest import csrf_token
from tests_helpers import PNG, make_page


def upload(client, name, filename, data, back=""):
    return client.post(f"/wiki/{name}/files", data={
        "csrf_token": csrf_token(client), "back": back,
        "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_image_upload_is_served_inline_and_listed(client):
    make_page(client, "affiches")
    r = upload(client, "affiches", "Affiche Wiki Party.PNG", PNG)
    assert r.status_code == 302
    served = client.get("/wiki/affiches/files/affiche-wiki-party.png")
    assert served.status_code == 200 and served.data == PNG
    assert served.content_type == "image/png"
    assert "attachment" not in served.headers.get("Content-Disposition", "")
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "affiche-wiki-party.png" in client.get("/wiki/affiches").get_data(as_text=True)
    edit = client.get("/wiki/affiches/edit").get_data(as_text=True)
    assert "![affiche-wiki-party.png](/wiki/affiches/files/affiche-wiki-party.png)" in edit


def test_documents_are_downloaded_not_rendered(client):
    make_page(client, "docs")
    upload(client, "docs", "compte-rendu.pdf", b"%PDF-1.4 <html><script>alert(1)</script>")
    served = client.get("/wiki/docs/files/compte-rendu.pdf")
    assert served.content_type == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment")


def test_same_name_does_not_overwrite(client):
    make_page(client, "docs")
    upload(client, "docs", "note.txt", b"premier")
    upload(client, "docs", "note.txt", b"second")
    assert client.get("/wiki/docs/files/note.txt").data == b"premier"
    assert client.get("/wiki/docs/files/note-2.txt").data == b"second"


def test_forbidden_types_fake_images_and_oversize_are_refused_readably(client, app):
    make_page(client, "docs")
    for filename, data, status in [("virus.exe", b"MZ...", 415), ("page.html", b"<script>", 415),
                                   ("dessin.svg", b"<svg onload=alert(1)>", 415),
                                   ("faux.png", b"<html>not a png</html>", 415),
                                   ("vide.txt", b"", 400)]:
        r = upload(client, "docs", filename, data)
        assert r.status_code == status, filename
        assert "<h1>" in r.get_data(as_text=True)
    limit = app.extensions["bocage.instance"].max_upload_mb
    r = upload(client, "docs", "gros.pdf", b"%PDF" + b"0" * int((limit + 2) * 1024 * 1024))
    assert r.status_code == 413
    assert client.get("/wiki/docs/files/gros.pdf").status_code == 404


def test_upload_to_missing_page_and_missing_file(client):
    assert upload(client, "absente", "a.txt", b"x").status_code == 404
    make_page(client, "docs")
    assert client.get("/wiki/docs/files/rien.txt").status_code == 404


def test_delete_attachment(client):
    make_page(client, "docs")
    upload(client, "docs", "a.txt", b"x")
    r = client.post("/wiki/docs/files/a.txt/delete", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 302
    assert client.get("/wiki/docs/files/a.txt").status_code == 404
