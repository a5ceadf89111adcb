"""The page-view cache: served from memory, never stale, in every worker."""
import requests

from test_server import T, server  # noqa: F401  (the real-server fixture)
from tests_helpers import make_page


def _missing_link(html):
    return 'class="wikilink missing"' in html


def test_a_link_turns_blue_when_its_page_is_created(client):
    make_page(client, "accueil", "# Accueil\n\nVoir [[Le marché]].\n")
    assert _missing_link(client.get("/wiki/accueil").get_data(as_text=True))
    assert _missing_link(client.get("/wiki/accueil").get_data(as_text=True))   # now from the cache
    make_page(client, "le-marche", "# Le marché\n\nLe mardi matin.\n")
    assert not _missing_link(client.get("/wiki/accueil").get_data(as_text=True))


def test_actions_see_changes_elsewhere(client):
    make_page(client, "accueil", "# Accueil\n\n{{recentchanges}}\n")
    assert "Atelier vélo" not in client.get("/wiki/accueil").get_data(as_text=True)
    make_page(client, "atelier", "# Atelier vélo\n\nRéparations.\n")
    assert "Atelier vélo" in client.get("/wiki/accueil").get_data(as_text=True)


def test_trash_and_restore_invalidate(client):
    from conftest import csrf_token
    make_page(client, "accueil", "# Accueil\n\nVoir [[atelier]].\n")
    make_page(client, "atelier", "# Atelier\n\nRéparations.\n")
    assert not _missing_link(client.get("/wiki/accueil").get_data(as_text=True))
    r = client.post("/wiki/atelier/delete", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 302
    assert _missing_link(client.get("/wiki/accueil").get_data(as_text=True))
    assert client.get("/wiki/atelier").status_code == 404


def test_flash_messages_are_not_lost_or_cached(client):
    make_page(client, "accueil", "# Accueil\n\nTexte.\n")
    client.get("/wiki/accueil")
    from conftest import csrf_token
    html = client.get("/wiki/accueil/edit").get_data(as_text=True)
    import re
    base = re.search(r'name="base_revision" value="([^"]*)"', html).group(1)
    client.post("/wiki/accueil/edit", data={"csrf_token": csrf_token(client), "base_revision": base,
                                             "source": "# Accueil\n\nTexte.\n", "action": "save"})
    shown = client.get("/wiki/accueil").get_data(as_text=True)
    assert 'class="flash notice"' in shown                       # "no change to save"
    assert 'class="flash' not in client.get("/wiki/accueil").get_data(as_text=True)


def test_language_is_part_of_the_key(client):
    make_page(client, "accueil", "# Accueil\n\nTexte.\n")
    fr = client.get("/wiki/accueil", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    en = client.get("/wiki/accueil", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Modifications récentes" in fr and "Recent changes" in en
    assert "Recent changes" not in fr


def test_etag_revalidation_answers_304_until_a_change(client):
    make_page(client, "accueil", "# Accueil\n\nTexte.\n")
    first = client.get("/wiki/accueil")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/wiki/accueil", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    make_page(client, "autre", "# Autre\n\nTexte.\n")
    changed = client.get("/wiki/accueil", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_every_worker_sees_a_change_made_through_another(server):  # noqa: F811
    srv, token = server
    api = {"Authorization": f"Bearer {token}"}
    put = requests.put(f"{srv.url}/api/pages/accueil", headers=api, timeout=T,
                       json={"source": "# Accueil\n\nVoir [[Le lavoir]].\n", "base_revision": None})
    assert put.status_code == 201, put.text
    # a new connection each time: gunicorn spreads them over its two workers, which all cache the view
    for _ in range(8):
        assert _missing_link(requests.get(f"{srv.url}/wiki/accueil", timeout=T).text)
    put = requests.put(f"{srv.url}/api/pages/le-lavoir", headers=api, timeout=T,
                       json={"source": "# Le lavoir\n\nRestauré en 2024.\n", "base_revision": None})
    assert put.status_code == 201, put.text
    for _ in range(8):
        assert not _missing_link(requests.get(f"{srv.url}/wiki/accueil", timeout=T).text)
