"""Federation: objects from followed actors become the wiki's commons — pages and fiches marked
with their territory, read-only until adopted; only their origin updates or withdraws them; they
are never sent on, and an adopted one is published as ours with a link to its origin."""
import json

import pytest

from conftest import csrf_token
from federation.models import OutboxActivity, RemoteObject
from federation_helpers import RemoteKey
from test_federation_inbox import _we_follow_alice, post
from wiki.models import Provenance

AS = {"Accept": "application/activity+json"}


@pytest.fixture
def instance_dir(federated):
    return federated(rate_limit_per_minute=200)


def _send(client, key, remote, type_, obj, n, actor="alice", actor_key=None):
    actor_url = f"{remote.base}/users/{actor}"
    activity = {"id": f"{remote.base}/activities/{type_}-{n}", "type": type_, "actor": actor_url, "object": obj}
    r = post(client, actor_key or key, remote, activity, key_id=f"{actor_url}#main-key")
    assert r.status_code == 202, r.get_data(as_text=True)


def _article(remote, n, **extra):
    return {"id": f"{remote.base}/wiki/page-{n}", "type": "Article", "name": "Le lavoir",
            "url": f"{remote.base}/wiki/page-{n}", "license": "CC BY-SA 4.0",
            "content": "<p>Le <strong>lavoir</strong></p>", "attributedTo": f"{remote.base}/users/alice",
            "source": {"content": "# Le lavoir\n\nLe **lavoir** restauré.", "mediaType": "text/markdown"},
            **extra}


def test_an_article_becomes_a_read_only_page_of_its_territory(app, client, key, remote):
    _we_follow_alice(app, client, key, remote)
    _send(client, key, remote, "Create", _article(remote, 1), 1)
    page = client.get("/api/pages/alice-le-lavoir").get_json()
    assert page["source"] == "# Le lavoir\n\nLe **lavoir** restauré."
    html = client.get("/wiki/alice-le-lavoir").get_data(as_text=True)
    assert "Commun reçu de Alice" in html and "licence CC BY-SA 4.0" in html
    assert f'href="{remote.base}/wiki/page-1"' in html
    with app.app_context():
        assert RemoteObject.get().page == "alice-le-lavoir"
        assert OutboxActivity.select().where(OutboxActivity.type != "Follow").count() == 0   # never sent on
    assert client.get("/wiki/alice-le-lavoir", headers=AS).status_code == 404      # not served as ours
    # the origin updates it (same local name); someone else may not
    _send(client, key, remote, "Update", _article(remote, 1, source={"content": "# Le lavoir\n\nÀ visiter.",
                                                                      "mediaType": "text/markdown"}), 2)
    assert "À visiter" in client.get("/api/pages/alice-le-lavoir").get_json()["source"]
    mallory = RemoteKey()
    remote.add_actor("mallory", mallory)
    _send(client, key, remote, "Update", _article(remote, 1, source={"content": "# Volé", "mediaType": "text/markdown"}),
          3, actor="mallory", actor_key=mallory)
    _send(client, key, remote, "Delete", f"{remote.base}/wiki/page-1", 4, actor="mallory", actor_key=mallory)
    assert "À visiter" in client.get("/api/pages/alice-le-lavoir").get_json()["source"]
    _send(client, key, remote, "Delete", f"{remote.base}/wiki/page-1", 5)
    assert client.get("/wiki/alice-le-lavoir").status_code == 404          # in the trash


def test_a_mastodon_note_with_hostile_html_is_sanitized(app, client, key, remote):
    _we_follow_alice(app, client, key, remote)
    note = {"id": f"{remote.base}/statuses/1", "type": "Note", "url": f"{remote.base}/@alice/1",
            "summary": "", "attributedTo": f"{remote.base}/users/alice",
            "content": '<p>Marché <img src=x onerror="alert(1)"> <a href="javascript:alert(2)">ici</a>'
                       '<script>alert(3)</script> <span class="h-card">@bob</span></p>'}
    _send(client, key, remote, "Create", note, 1)
    with app.app_context():
        name = RemoteObject.get().page
    assert name.startswith("alice-")
    html = client.get(f"/wiki/{name}").get_data(as_text=True)
    assert "Marché" in html and "onerror" not in html and "javascript:" not in html and "alert(3)" not in html


def test_events_become_agenda_fiches_and_places_lieux_or_the_form_a_bocage_peer_names(app, client, key, remote):
    _we_follow_alice(app, client, key, remote)
    mobilizon = {"id": f"{remote.base}/events/1", "type": "Event", "name": "Atelier vélo",
                 "startTime": "2027-04-02T18:00:00+02:00", "endTime": "2027-04-02T20:00:00+02:00",
                 "timezone": "Europe/Paris", "attributedTo": f"{remote.base}/users/alice", "content": "<p>Réparer</p>",
                 "location": {"type": "Place", "name": "Atelier", "latitude": 47.1, "longitude": 3.9,
                              "address": {"type": "PostalAddress", "addressLocality": "Lormes"}}}
    _send(client, key, remote, "Create", mobilizon, 1)
    got = client.get("/api/entries/alice-atelier-velo").get_json()
    assert got["form"] == "agenda"
    values = got["values"]
    assert values["titre"] == "Atelier vélo" and values["dates"]["debut"] == "2027-04-02T18:00"
    assert values["lieu"] == {"adresse": "Atelier, Lormes", "lat": 47.1, "lon": 3.9}
    place = {"id": f"{remote.base}/wiki/four", "type": "Page", "name": "Four à pain",
             "attributedTo": f"{remote.base}/users/alice", "content": "<p>Un four</p>",
             "location": {"type": "Place", "name": "Le bourg", "latitude": 47.2, "longitude": 3.8}}
    _send(client, key, remote, "Create", place, 2)
    assert client.get("/api/entries/alice-four-a-pain").get_json()["values"]["lieu"]["lat"] == 47.2
    assert "alice-four-a-pain" in client.get("/api/forms/lieux/entries?territoire=Alice").get_data(as_text=True)
    bocage = {"id": f"{remote.base}/wiki/amap", "type": "Page", "name": "AMAP de Lormes",
              "attributedTo": f"{remote.base}/users/alice", "content": "<dl>…</dl>",
              "bocage:form": "initiatives",
              "bocage:values": {"titre": "AMAP de Lormes", "commune": "Lormes", "themes": ["Alimentation"],
                                "description": "Des **paniers**.", "contact": "secret@example.org"}}
    _send(client, key, remote, "Create", bocage, 3)
    values = client.get("/api/entries/alice-amap-de-lormes").get_json()["values"]
    assert values["commune"] == "Lormes" and values["description"] == "Des **paniers**."
    assert "contact" not in values
    listed = client.get("/fiches/initiatives").get_data(as_text=True)
    assert "AMAP de Lormes" in listed and 'name="territoire" value="Alice"' in listed


def test_an_adopted_common_is_ours_and_its_original_changes_are_a_notice(app, client, key, remote):
    _we_follow_alice(app, client, key, remote)
    _send(client, key, remote, "Create", _article(remote, 1), 1)
    assert client.post("/wiki/alice-le-lavoir/adopt", data={"csrf_token": csrf_token(client)}).status_code == 302
    with app.app_context():
        assert Provenance.get().adopted
        published = [json.loads(a.document) for a in OutboxActivity.select().where(OutboxActivity.type == "Create")]
    assert published and published[0]["object"]["bocage:adoptedFrom"]["href"] == f"{remote.base}/wiki/page-1"
    assert client.get("/wiki/alice-le-lavoir", headers=AS).status_code == 200
    _send(client, key, remote, "Update", _article(remote, 1, source={"content": "# Le lavoir\n\nFermé l'hiver.",
                                                                      "mediaType": "text/markdown"}), 2)
    assert "restauré" in client.get("/api/pages/alice-le-lavoir").get_json()["source"]
    html = client.get("/wiki/alice-le-lavoir").get_data(as_text=True)
    assert "L’original a changé depuis que vous l’avez repris" in html
    assert "hiver" in client.get("/wiki/alice-le-lavoir/original").get_data(as_text=True)
    _send(client, key, remote, "Delete", f"{remote.base}/wiki/page-1", 3)
    html = client.get("/wiki/alice-le-lavoir").get_data(as_text=True)
    assert "L’original a été supprimé par Alice" in html


def test_our_fiches_carry_their_form_and_public_values_for_bocage_peers(app, client, token):
    r = client.post("/api/forms/initiatives/entries", headers={"Authorization": f"Bearer {token}"},
                    json={"values": {"titre": "Repair café", "contact": "secret@example.org"}})
    assert r.status_code == 201, r.get_data(as_text=True)
    doc = client.get(f"/wiki/{r.get_json()['name']}", headers=AS).get_json()
    assert doc["bocage:form"] == "initiatives" and doc["bocage:values"]["titre"] == "Repair café"
    assert "secret@example.org" not in json.dumps(doc)
