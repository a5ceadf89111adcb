"""Reading and editing pages in the browser (no JavaScript): the real app, the real database."""
import re

import pytest

from conftest import csrf_token
from wiki.models import Page, Revision


def save(client, name, source, *, base="", comment="", author="", action="save", token=None):
    token = token or csrf_token(client, f"/wiki/{name}/edit")
    return client.post(f"/wiki/{name}/edit", data={
        "csrf_token": token, "source": source, "base_revision": base, "comment": comment,
        "author": author, "action": action})


def base_of(client, name):
    html = client.get(f"/wiki/{name}/edit").get_data(as_text=True)
    return re.search(r'name="base_revision" value="([^"]*)"', html).group(1)


def test_create_view_and_edit_a_page(client):
    r = client.get("/wiki/guide-wiki-party")
    assert r.status_code == 404 and "Créer cette page" in r.get_data(as_text=True)
    r = save(client, "guide-wiki-party", "# Guide de la wiki party\n\nApportez **des rallonges**.",
             comment="première version", author="Maïwenn")
    assert r.status_code == 302 and r.headers["Location"].endswith("/wiki/guide-wiki-party")
    html = client.get("/wiki/guide-wiki-party").get_data(as_text=True)
    assert "<h1" in html and "Guide de la wiki party</h1>" in html
    assert "<strong>des rallonges</strong>" in html and "Maïwenn" in html
    base = base_of(client, "guide-wiki-party")
    save(client, "guide-wiki-party", "# Guide de la wiki party\n\nApportez des multiprises.", base=base)
    assert "multiprises" in client.get("/wiki/guide-wiki-party").get_data(as_text=True)
    history = client.get("/wiki/guide-wiki-party/history").get_data(as_text=True)
    assert "première version" in history and "#2" in history and "#1" in history


def test_new_page_from_a_link_gets_its_title(client):
    html = client.get("/wiki/repair-cafe/edit?title=Le%20repair%20café").get_data(as_text=True)
    assert "# Le repair café" in html


def test_names_are_canonicalised_and_invalid_ones_explained(client):
    r = client.get("/wiki/Guide Wiki Party")
    assert r.status_code == 301 and r.headers["Location"].endswith("/wiki/guide-wiki-party")
    r = client.get("/wiki/%21%21%21")
    assert r.status_code == 400 and "n’est pas un nom de page valide" in r.get_data(as_text=True)
    r = save(client, "x" * 101, "texte", token=csrf_token(client))
    assert r.status_code == 400


def test_preview_does_not_save_and_keeps_the_text(client):
    r = save(client, "brouillon", "# Brouillon\n\nUn *essai*.", action="preview")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<em>essai</em>" in html and "Un *essai*." in html
    assert Page.select().where(Page.name == "brouillon").count() == 0


def test_wiki_links_show_missing_pages_and_lead_to_creation(client):
    save(client, "accueil", "# Accueil\n\nVoir [[Guide de la wiki party]] et [[accueil|ici]]"
                            " et [[https://yeswiki.net|YesWiki]].")
    html = client.get("/wiki/accueil").get_data(as_text=True)
    missing = re.search(r'<a class="wikilink missing" href="([^"]+)"[^>]*>Guide de la wiki party</a>', html)
    assert missing and "/wiki/guide-de-la-wiki-party/edit" in missing.group(1)
    assert '<a class="wikilink" href="/wiki/accueil">ici</a>' in html
    assert 'href="https://yeswiki.net"' in html
    save(client, "guide-de-la-wiki-party", "# Guide de la wiki party\n\nTexte.")
    html = client.get("/wiki/accueil").get_data(as_text=True)
    assert '<a class="wikilink" href="/wiki/guide-de-la-wiki-party">Guide de la wiki party</a>' in html


def test_markdown_features_render(client):
    source = ("# Fonctions\n\n## Un\n\n### Deux\n\n## Trois\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
              "~~barré~~\n\n- [x] fait\n- [ ] à faire\n\nNote[^1].\n\n[^1]: La note.\n")
    save(client, "fonctions", source)
    html = client.get("/wiki/fonctions").get_data(as_text=True)
    assert '<nav class="toc"' in html and 'href="#un"' in html and '<h2 id="un">' in html
    assert "<table>" in html and "<del>barré</del>" in html
    assert 'type="checkbox"' in html and "disabled" in html
    assert "La note." in html and 'class="footnotes"' in html


def test_actions_render_and_unknown_ones_are_explained(client):
    save(client, "cible", "# Cible\n\nTexte inclus ici.")
    save(client, "source", "# Source\n\n[[cible]]\n\n{{include page=\"cible\"}}\n\n{{recentchanges limit=\"2\"}}\n\n"
                           "{{pageindex}}\n\n{{nimportequoi}}\n\n{{include page=\"source\"}}\n")
    html = client.get("/wiki/source").get_data(as_text=True)
    assert "Texte inclus ici." in html
    assert 'class="changes"' in html and 'class="page-list"' in html
    assert "Action inconnue" in html and "nimportequoi" in html
    assert "ne peut pas s’inclure elle-même" in html or "action-error" in html
    backlinks = client.get("/wiki/cible").get_data(as_text=True)
    assert "Cible" in backlinks
    html = client.get("/wiki/cible/backlinks").get_data(as_text=True)
    assert 'href="/wiki/source"' in html


def test_backlinks_action_lists_linking_pages(client):
    save(client, "a", "# A\n\n{{backlinks}}")
    save(client, "b", "# B\n\nVers [[a]].")
    assert 'href="/wiki/b"' in client.get("/wiki/a").get_data(as_text=True)


def test_concurrent_edits_to_different_parts_are_merged(client):
    save(client, "agenda", "# Agenda\n\nMarché le samedi.\n\nCinéma le vendredi.\n")
    base = base_of(client, "agenda")
    other = client.application.test_client()
    save(other, "agenda", "# Agenda\n\nMarché le samedi matin.\n\nCinéma le vendredi.\n", base=base)
    r = save(client, "agenda", "# Agenda\n\nMarché le samedi.\n\nCinéma le vendredi soir.\n", base=base)
    assert r.status_code == 302
    page = client.get("/wiki/agenda").get_data(as_text=True)
    assert "samedi matin" in page and "vendredi soir" in page
    rev = Revision.select().order_by(Revision.id.desc()).first()
    assert rev.action == "merge"


def test_conflicting_edit_gives_back_both_texts_and_can_be_saved(client):
    save(client, "horaires", "# Horaires\n\nOuvert le mardi.\n")
    base = base_of(client, "horaires")
    save(client.application.test_client(), "horaires", "# Horaires\n\nOuvert le mercredi.\n", base=base)
    mine = "# Horaires\n\nOuvert le jeudi.\n"
    r = save(client, "horaires", mine, base=base)
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    textarea = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert textarea.strip() == mine.strip()                       # the editor's own text, intact
    assert "Ouvert le mercredi." in html                           # the other version, shown
    assert "&lt;&lt;&lt;&lt;&lt;&lt;&lt;" in html                  # and the marked merge, to copy from
    new_base = re.search(r'name="base_revision" value="([^"]*)"', html).group(1)
    assert new_base != base
    r = save(client, "horaires", "# Horaires\n\nOuvert le mercredi et le jeudi.\n", base=new_base)
    assert r.status_code == 302
    assert "mercredi et le jeudi" in client.get("/wiki/horaires").get_data(as_text=True)


def test_saving_the_same_text_creates_no_revision(client):
    save(client, "stable", "# Stable\n\nTexte.")
    base = base_of(client, "stable")
    save(client, "stable", "# Stable\n\nTexte.", base=base)
    assert Revision.select().join(Page).where(Page.name == "stable").count() == 1


def test_diff_restore_and_history(client):
    save(client, "velo", "# Vélo\n\nPrêt de vélos à la mairie.\n")
    base = base_of(client, "velo")
    save(client, "velo", "# Vélo\n\nPrêt de vélos électriques à la mairie.\n", base=base)
    revs = list(Revision.select().join(Page).where(Page.name == "velo").order_by(Revision.number))
    html = client.get(f"/wiki/velo/diff?from={revs[0].id}&to={revs[1].id}").get_data(as_text=True)
    assert "électriques</ins>" in html
    r = client.post(f"/wiki/velo/revisions/{revs[0].id}/restore", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 302
    assert "électriques" not in client.get("/wiki/velo").get_data(as_text=True)
    last = Revision.select().join(Page).where(Page.name == "velo").order_by(Revision.number.desc()).first()
    assert last.number == 3 and last.action == "restore"
    old = client.get(f"/wiki/velo/revisions/{revs[1].id}").get_data(as_text=True)
    assert "électriques" in old and "Restaurer cette version" in old


def test_unknown_revisions_give_a_readable_404(client):
    save(client, "p", "# P\n\nx")
    for path in ("/wiki/p/diff?from=999999", "/wiki/p/diff?from=abc", "/wiki/p/revisions/999999",
                 "/wiki/absente/history", "/wiki/absente/diff"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "<h1>" in r.get_data(as_text=True)


def test_trash_and_restore(client):
    save(client, "a-jeter", "# À jeter\n\nContenu précieux.")
    save(client, "liens", "# Liens\n\n[[a-jeter]]")
    token = csrf_token(client)
    assert "Déplacer" in client.get("/wiki/a-jeter/delete").get_data(as_text=True)
    r = client.post("/wiki/a-jeter/delete", data={"csrf_token": token, "comment": "doublon"})
    assert r.status_code == 302
    assert client.get("/wiki/a-jeter").status_code == 404
    assert "À jeter" in client.get("/trash").get_data(as_text=True)
    assert "À jeter" not in client.get("/index").get_data(as_text=True)
    assert "wikilink missing" in client.get("/wiki/liens").get_data(as_text=True)
    client.post("/wiki/a-jeter/undelete", data={"csrf_token": token})
    assert "Contenu précieux." in client.get("/wiki/a-jeter").get_data(as_text=True)
    actions = [r.action for r in Revision.select().join(Page).where(Page.name == "a-jeter").order_by(Revision.number)]
    assert actions == ["create", "delete", "undelete"]


def test_special_pages(client):
    save(client, "accueil", "# Accueil\n\n[[fiche-a]] [[manquante]] [[autre-manquante]]")
    save(client, "fiche-a", "# Fiche A\n\n[[manquante]]")
    save(client, "orpheline", "# Orpheline\n\nSeule.")
    assert "Orpheline" in client.get("/orphans").get_data(as_text=True)
    assert "Fiche A" not in client.get("/orphans").get_data(as_text=True)
    wanted = client.get("/wanted").get_data(as_text=True)
    assert "manquante" in wanted and "2 pages pointent ici" in wanted
    recent = client.get("/recent").get_data(as_text=True)
    assert recent.index("Orpheline") < recent.index("Fiche A")
    feed = client.get("/recent.atom")
    assert feed.content_type.startswith("application/atom+xml") and b"Orpheline" in feed.data
    index = client.get("/index").get_data(as_text=True)
    assert index.index("Accueil") < index.index("Fiche A") < index.index("Orpheline")


def test_search_page_finds_accented_words(client):
    save(client, "mobilite", "# Mobilité\n\nCovoiturage et autostop solidaire.")
    html = client.get("/search?q=mobilite").get_data(as_text=True)
    assert 'href="/wiki/mobilite"' in html
    html = client.get("/search?q=covoiturage").get_data(as_text=True)
    assert "<mark>" in html
    assert client.get("/search?q=%22%28((").status_code == 200


def test_forms_need_a_csrf_token(client):
    r = client.post("/wiki/sans-jeton/edit", data={"source": "# Mon texte précieux", "action": "save"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "# Mon texte précieux" in html          # the text is given back, not lost
    assert Page.select().where(Page.name == "sans-jeton").count() == 0
    assert client.post("/wiki/accueil/delete").status_code == 400


def test_security_headers(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in r.get_data(as_text=True)   # no inline script anywhere


def test_hostile_markup_is_neutralised_in_pages(client):
    save(client, "piege", '# Piège\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n\n'
                          '<img src=x onerror=alert(2)>\n\n[[<script>|<b>gras</b>]]\n')
    html = client.get("/wiki/piege").get_data(as_text=True)
    body = html.split('<article class="page">')[1].split("</article>")[0]
    assert "<script" not in body and "onerror" not in body and "javascript:" not in body
    assert "&lt;b&gt;gras&lt;/b&gt;" in body


def test_too_long_text_is_refused_and_kept(client):
    text = "# Long\n\n" + "é" * 600_000
    r = save(client, "long", text)
    assert r.status_code == 413
    assert "trop long" in r.get_data(as_text=True)
    assert Page.select().where(Page.name == "long").count() == 0


def test_broken_utf8_from_a_form_is_saved_as_sent_not_a_500(client):
    """A browser cannot send a lone surrogate; its UTF-8-looking bytes (ED A0 80) arrive as text that
    the content layer stores (save_page refuses real lone surrogates, as the API tests show)."""
    token = csrf_token(client, "/wiki/octets/edit")
    body = b"csrf_token=" + token.encode() + b"&base_revision=&source=%23+Octets%0A%0Aa%ED%A0%80b"
    r = client.post("/wiki/octets/edit", data=body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 302
    assert client.get("/wiki/octets").status_code == 200


def test_save_page_refuses_a_lone_surrogate_from_any_caller(ctx):
    from wiki.content.pages import ContentError, save_page
    with pytest.raises(ContentError) as refused:
        save_page("surrogat", "# Titre\n\nmoitié \ud83d d’émoji")
    assert refused.value.status == 400 and "ligne 3" in str(refused.value.message)
    assert Page.select().where(Page.name == "surrogat").count() == 0
    assert save_page("surrogat", "# Titre", comment="\udcff", author="\ud800").created
    assert Revision.get().author == "\ufffd" and Revision.get().comment == "\ufffd"


def test_english_interface(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Recent changes" in html and 'lang="en"' in html
