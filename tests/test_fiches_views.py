"""Fiches in the browser: the forms index, lists with facets, the fiche form, the fiche page.

Real app, real database, the real HTML forms with their CSRF token; an English browser (the
`lang` cookie) so that texts can be compared.
"""
import json
import re

import pytest

from conftest import csrf_token
from wiki.fiches import entries
from tests_helpers import form_state, territory
from wiki.models import Entry, Page, Revision

SECRET_MAIL = "zorglub.prive@exemple.org"


@pytest.fixture
def instance_dir(tmp_path):
    return territory(tmp_path)


@pytest.fixture
def en(client):
    client.set_cookie("lang", "en")
    return client


def form_of(form_id):
    return entries.catalogue().form(form_id)




@pytest.fixture
def values_of(within):
    def values_of(name):
        with within():
            return entries.load(name)[2]
    return values_of


def names_in(html):
    """The fiches a list shows, in order (cards or table)."""
    return re.findall(r'<(?:h2|td)><a href="/wiki/([a-z0-9-]+)">', html)


def get(client, path, status=200):
    r = client.get(path)
    assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:800])
    return r.get_data(as_text=True)


def field_block(html, field_id):
    """The HTML of one field of the fiche form, from its <div class="field"> to the next one."""
    at = html.index(f'id="help-{field_id}"')
    start = html.rindex('<div class="field ', 0, at)
    end = html.find('<div class="field ', at)
    return html[start:end if end != -1 else html.index('<div class="row">', at)]


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1, blocks
    return json.loads(blocks[0])


# -- the forms index ---------------------------------------------------------------------------
def test_fiches_index_lists_the_three_forms_with_counts(add, within, en):
    add("initiatives", titre="Vélo-école")
    add("initiatives", titre="Jardin partagé")
    gone = add("initiatives", titre="Ancienne AMAP")
    add("agenda", titre="Bal folk", dates={"debut": "2027-06-21T20:00"})
    from wiki.content import pages as content
    with within():
        content.delete_page(gone)
    html = get(en, "/fiches")
    items = re.findall(r'<li><a href="/fiches/([a-z-]+)"><strong>([^<]+)</strong></a>\s*\(([^)]*)\)', html)
    assert sorted(items) == [("agenda", "Events", "1 fiche"), ("initiatives", "Initiatives", "2 fiches"),
                             ("lieux", "Places", "0 fiches")]
    assert "What residents, associations, communes and collectives of the territory do." in html


def test_index_in_french(add, client):
    add("lieux", titre="Le Grain", categorie="Tiers-lieu", lieu={"adresse": "Redon"})
    html = get(client, "/fiches")
    assert '<a href="/fiches/lieux"><strong>Lieux</strong></a>' in html
    assert '<a href="/fiches/agenda"><strong>Agenda</strong></a>' in html


# -- lists: facets, words, sort, pages, layouts -----------------------------------------------
@pytest.fixture
def events_(add):
    add("agenda", titre="Marché de Redon", dates={"debut": "2027-04-01T08:00"}, commune="Redon",
        themes=["Alimentation", "Agriculture"], description="Producteurs locaux, chaque jeudi.")
    add("agenda", titre="Repair café", dates={"debut": "2027-03-16T14:00"}, commune="Saint-Nicolas-de-Redon",
        themes=["Coopération", "Mobilité"], contact=SECRET_MAIL, description="Vélos et grille-pain.")
    add("agenda", titre="Vélo-école", dates={"debut": "2027-05-01"}, commune="Redon", themes=["Mobilité"],
        description="Apprendre le vélo à tout âge, près du marché couvert.")
    add("agenda", titre="Conférence énergie", dates={"debut": "2027-03-01T20:30"}, commune="Allaire",
        themes=["Énergie"])
    add("agenda", titre="Bal folk", dates={"debut": "2027-06-21T20:00"}, themes=["Culture"])


@pytest.mark.parametrize("query, expected", [
    ("", ["conference-energie", "repair-cafe", "marche-de-redon", "velo-ecole", "bal-folk"]),
    ("?themes=Mobilit%C3%A9", ["repair-cafe", "velo-ecole"]),
    # OR within a field
    ("?themes=Mobilit%C3%A9&themes=Alimentation", ["repair-cafe", "marche-de-redon", "velo-ecole"]),
    # AND across fields
    ("?themes=Mobilit%C3%A9&themes=Alimentation&commune=Redon", ["marche-de-redon", "velo-ecole"]),
    ("?commune=Redon&commune=Allaire", ["conference-energie", "marche-de-redon", "velo-ecole"]),
    ("?commune=Allaire&themes=Mobilit%C3%A9", []),
    ("?themes=Astrologie", []),
    ("?themes=&commune=", ["conference-energie", "repair-cafe", "marche-de-redon", "velo-ecole", "bal-folk"]),
    ("?contact=" + SECRET_MAIL, ["conference-energie", "repair-cafe", "marche-de-redon", "velo-ecole",
                                 "bal-folk"]),        # not a facet: ignored
])
def test_facets_combine(events_, en, query, expected):
    html = get(en, "/fiches/agenda" + query)
    assert names_in(html) == expected
    assert f"{len(expected)} fiche" in html
    if not expected:
        assert "No fiche matches these filters." in html


def test_facet_counts_and_checked_boxes(events_, en):
    html = get(en, "/fiches/agenda")

    def count(name, value):
        found = re.search(r'<input type="checkbox" name="%s" value="%s" (checked)?> [^<]+ <span class="count">\((\d+)\)'
                          % (name, re.escape(value)), html)
        return found and (int(found.group(2)), bool(found.group(1)))

    assert count("themes", "Mobilité") == (2, False) and count("themes", "Culture") == (1, False)
    assert count("commune", "Redon") == (2, False) and count("commune", "Allaire") == (1, False)
    assert count("commune", "Bains-sur-Oust") is None                 # no fiche: not offered
    html = get(en, "/fiches/agenda?commune=Redon&themes=Mobilit%C3%A9")
    # a field's own selection does not narrow its counts; the other fields' selections do
    assert count("commune", "Redon") == (1, True) and count("commune", "Saint-Nicolas-de-Redon") == (1, False)
    assert count("commune", "Allaire") is None
    assert count("themes", "Mobilité") == (1, True) and count("themes", "Agriculture") == (1, False)
    assert count("themes", "Culture") is None
    assert "Clear the filters" in html and "Clear the filters" not in get(en, "/fiches/agenda")
    # the values a fiche page links to are these filters
    page = get(en, "/wiki/velo-ecole")
    assert '<a class="tag" href="/fiches/agenda?commune=Redon">Redon</a>' in page
    assert names_in(get(en, "/fiches/agenda?commune=Redon")) == ["marche-de-redon", "velo-ecole"]


@pytest.mark.parametrize("q, expected", [
    ("marche", ["marche-de-redon", "velo-ecole"]),           # "Marché" (title), "marché couvert" (text)
    ("MARCHÉ", ["marche-de-redon", "velo-ecole"]),
    ("marché producteurs", ["marche-de-redon"]),           # every word must appear
    ("velo", ["repair-cafe", "velo-ecole"]),
    ("producteurs jeudi", ["marche-de-redon"]),
    ("zorglub", []),                                        # a private e-mail is not searchable
    ("énergie", ["conference-energie"]),
])
def test_text_filter_is_accent_insensitive(events_, en, q, expected):
    html = get(en, "/fiches/agenda?q=" + q)
    assert names_in(html) == expected
    assert f'name="q" value="{q}"' in html


def test_text_filter_combines_with_facets(events_, en):
    assert names_in(get(en, "/fiches/agenda?q=marche&themes=Mobilit%C3%A9")) == ["velo-ecole"]


@pytest.mark.parametrize("sort, expected", [
    ("date", ["conference-energie", "repair-cafe", "marche-de-redon", "velo-ecole", "bal-folk"]),
    ("title", ["bal-folk", "conference-energie", "marche-de-redon", "repair-cafe", "velo-ecole"]),
    ("updated", ["bal-folk", "conference-energie", "velo-ecole", "repair-cafe", "marche-de-redon"]),
    ("nimporte", ["bal-folk", "conference-energie", "marche-de-redon", "repair-cafe", "velo-ecole"]),
])
def test_sort(events_, en, sort, expected):
    html = get(en, f"/fiches/agenda?sort={sort}")
    assert names_in(html) == expected
    if sort != "nimporte":
        assert f'<option value="{sort}" selected>' in html


def test_sort_by_title_is_the_default_without_dates(add, en):
    for title in ["Écomusée", "zoo", "Abbaye", "école de musique"]:
        add("lieux", titre=title, categorie="Culture et loisirs", lieu={"adresse": "Redon"})
    assert names_in(get(en, "/fiches/lieux")) == ["abbaye", "ecole-de-musique", "ecomusee", "zoo"]
    assert "Date</option>" not in get(en, "/fiches/lieux")


def test_table_layout(events_, en):
    html = get(en, "/fiches/agenda?layout=table&commune=Redon")
    assert '<table class="fiches">' in html and '<ul class="cards">' not in html
    header = re.search(r"<thead><tr>(.*?)</tr></thead>", html, re.S).group(1)
    assert re.findall(r"<th[^>]*>([^<]+)</th>", header) == ["Event title", "Dates", "Place", "Commune", "Themes"]
    rows = re.findall(r"<tr><td>(.*?)</tr>", html, re.S)
    assert len(rows) == 2 and "Marché de Redon" in rows[0] and "Vélo-école" in rows[1]
    assert "Saturday, May 1, 2027" in rows[1]
    assert names_in(html) == ["marche-de-redon", "velo-ecole"]
    assert '<option value="table" selected>' in html
    html = get(en, "/fiches/agenda?layout=<script>")
    assert '<ul class="cards">' in html and "<script>" not in html.split("<main")[1].split("</main>")[0]


@pytest.fixture
def thirty(add):
    for i in range(1, 31):
        add("initiatives", titre=f"Initiative {i:02d}", themes=["Culture"] if i % 2 else ["Forêt"],
            description="Une initiative du territoire.")
    return add


def test_pagination(thirty, en):
    html = get(en, "/fiches/initiatives")
    assert names_in(html) == [f"initiative-{i:02d}" for i in range(1, 25)]
    assert "30 fiches" in html and "Page 1 of 2" in html
    assert re.search(r'<a href="[^"]*page=2[^"]*" rel="next">', html) and 'rel="prev"' not in html
    html = get(en, "/fiches/initiatives?page=2")
    assert names_in(html) == [f"initiative-{i:02d}" for i in range(25, 31)]
    assert "Page 2 of 2" in html and 'rel="next"' not in html and 'rel="prev"' in html


@pytest.mark.parametrize("page, expected", [("abc", 1), ("0", 1), ("-3", 1), ("", 1), ("3", 2),
                                            ("99999999999999999999999", 2), ("1.5", 1)])
def test_bad_page_numbers(thirty, en, page, expected):
    html = get(en, f"/fiches/initiatives?page={page}")
    assert f"Page {expected} of 2" in html
    assert len(names_in(html)) == (24 if expected == 1 else 6)


def test_pagination_keeps_the_filters(thirty, en):
    html = get(en, "/fiches/initiatives?themes=Culture&q=initiative&sort=updated")
    assert "15 fiches" in html and "Page" not in html.split('class="count"')[1][:100]
    for i in range(31, 51):
        thirty("initiatives", titre=f"Initiative {i:02d}", themes=["Culture"])
    html = get(en, "/fiches/initiatives?themes=Culture&q=initiative&sort=title")
    assert "Page 1 of 2" in html and "35 fiches" in html
    link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert "themes=Culture" in link and "q=initiative" in link and "sort=title" in link and "page=2" in link
    html = get(en, link)
    assert "Page 2 of 2" in html
    assert names_in(html) == [f"initiative-{i:02d}" for i in list(range(1, 31, 2)) + list(range(31, 51))][24:]
    back = re.search(r'<a href="([^"]+)" rel="prev">', html).group(1).replace("&amp;", "&")
    assert "themes=Culture" in back and "page=1" in back


@pytest.mark.parametrize("extra", ["form_id=lieux", "_external=1", "_scheme=javascript", "_anchor=x",
                                   "_method=POST"])
def test_pagination_links_survive_odd_query_strings(thirty, en, extra):
    html = get(en, f"/fiches/initiatives?{extra}")
    link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert link.startswith("/fiches/initiatives?") and "page=2" in link


@pytest.mark.parametrize("path", ["/fiches/nope", "/fiches/nope/new", "/fiches/AGENDA", "/fiches/agenda%00",
                                  "/fiches/" + "x" * 300])
def test_unknown_form_is_404(app, en, path):
    r = en.get(path)
    assert r.status_code == 404
    assert "This address does not lead to anything here." in r.get_data(as_text=True)


def test_unknown_form_post_is_404(app, en):
    r = en.post("/fiches/nope/new", data={"csrf_token": csrf_token(en), "f-titre": "x"})
    assert r.status_code == 404 and Page.select().where(Page.kind != "page").count() == 0


# -- the fiche form --------------------------------------------------------------------------------
def test_new_fiche_form_shows_every_field(app, en):
    html = get(en, "/fiches/agenda/new")
    state = form_state(html)
    for name in ["f-titre", "f-dates.debut", "f-dates.debut_heure", "f-dates.fin", "f-dates.fin_heure",
                 "f-dates.fuseau", "f-recurrence.regle", "f-recurrence.jusqu", "f-description", "f-lieu.adresse",
                 "f-lieu.lat", "f-lieu.lon", "f-commune", "f-themes", "f-organisateur", "f-prix", "f-inscription",
                 "f-contact", "f-image", "f-tags", "csrf_token", "base_revision", "comment", "author"]:
        assert name in state, name
    assert state["f-dates.fuseau"] == ["Europe/Paris"] and state["f-themes"] == []
    assert 'type="date" id="f-dates.debut"' in html and 'type="time" id="f-dates.debut_heure"' in html
    assert "Event title <span class=\"required\">(required)</span>" in html
    assert "Not shown to visitors." in field_block(html, "contact")


def test_new_fiche_from_the_form(values_of, en):
    token = csrf_token(en, "/fiches/agenda/new")
    r = en.post("/fiches/agenda/new", data={
        "csrf_token": token, "f-titre": "Repair café", "f-dates.debut": "2027-03-06", "f-dates.debut_heure": "14:00",
        "f-dates.fin": "2027-03-06", "f-dates.fin_heure": "18:00", "f-dates.fuseau": "Europe/Paris",
        "f-recurrence.regle": "monthly-weekday", "f-recurrence.jusqu": "2027-12-31",
        "f-lieu.adresse": "Écomusée", "f-lieu.lat": "47,6433", "f-lieu.lon": "-2,0639",
        "f-commune": "Saint-Nicolas-de-Redon", "f-themes": ["Mobilité", "Coopération"],
        "f-inscription": "www.example.org/repair", "f-contact": SECRET_MAIL, "f-tags": "vélo; réparation",
        "comment": "première", "author": "Maïwenn"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/wiki/repair-cafe")
    values = values_of("repair-cafe")
    page = Page.get(Page.name == "repair-cafe")
    assert values["dates"] == {"debut": "2027-03-06T14:00", "fin": "2027-03-06T18:00", "fuseau": "Europe/Paris"}
    assert values["recurrence"] == "FREQ=MONTHLY;BYDAY=1SA;UNTIL=20271231"
    assert values["lieu"] == {"adresse": "Écomusée", "lat": 47.6433, "lon": -2.0639}
    assert values["themes"] == ["Coopération", "Mobilité"] and values["tags"] == ["vélo", "réparation"]
    assert values["inscription"] == "https://www.example.org/repair" and values["contact"] == SECRET_MAIL
    rev = Revision.get(Revision.id == page.revision)
    assert (rev.comment, rev.author) == ("première", "Maïwenn")
    html = get(en, "/wiki/repair-cafe")
    assert "Saturday, March 6, 2027, 2:00\u202fPM – 6:00\u202fPM" in html
    assert "Every month, on the same weekday" in html and "until December 31, 2027" in html
    # the edit form shows the saved values back, the repetition as its preset
    state = form_state(get(en, "/wiki/repair-cafe/edit"))
    assert state["f-recurrence.regle"] == ["monthly-weekday"] and state["f-recurrence.jusqu"] == ["2027-12-31"]
    assert state["f-dates.debut"] == ["2027-03-06"] and state["f-dates.fin_heure"] == ["18:00"]
    assert state["f-themes"] == ["Coopération", "Mobilité"] and state["f-tags"] == ["vélo, réparation"]
    assert state["f-commune"] == ["Saint-Nicolas-de-Redon"] and state["base_revision"] == [str(page.revision)]


BAD_NEW = {
    "f-titre": "  ", "f-dates.debut": "2027-03-16", "f-dates.debut_heure": "18:00", "f-dates.fin": "2027-03-16",
    "f-dates.fin_heure": "17:00", "f-dates.fuseau": "Europe/Paris", "f-recurrence.regle": "monthly-weekday",
    "f-recurrence.jusqu": "2027-12-31", "f-description": "Mon texte\n\nsur deux paragraphes",
    "f-lieu.adresse": "Place du marché", "f-lieu.lat": "47,65", "f-lieu.lon": "",
    "f-commune": "Redon", "f-themes": ["Mobilité", "Culture"], "f-organisateur": "Les Amis",
    "f-prix": "5 €", "f-inscription": "javascript:alert(1)", "f-contact": "pas-un-mail",
    "f-tags": "vélo, pain", "comment": "mon commentaire", "author": "Anouk"}


def test_new_fiche_with_errors_answers_400_with_messages_and_typed_values(app, en):
    r = en.post("/fiches/agenda/new", data={"csrf_token": csrf_token(en, "/fiches/agenda/new"), **BAD_NEW})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Some fields need a correction: see the messages next to them." in html
    expected = {
        "titre": "This field is required.",
        "dates": "The event ends before it starts: check the end date.",
        "lieu": "Give both the latitude and the longitude, or neither.",
        "inscription": "“javascript:alert(1)” is not a web address (for example https://example.org).",
        "contact": "“pas-un-mail” is not an e-mail address (for example nom@example.org).",
    }
    for field_id, message in expected.items():
        block = field_block(html, field_id)
        assert f'<p class="field-error" id="err-{field_id}" role="alert">{message}</p>' in block, field_id
        assert 'invalid"' in block.split(">")[0]
        assert f'aria-describedby="help-{field_id} err-{field_id}" aria-invalid="true"' in block
    assert html.count('class="field-error"') == len(expected)
    for field_id in ["commune", "themes", "tags", "prix", "description"]:
        assert "field-error" not in field_block(html, field_id)
    state = form_state(html)
    assert state["f-titre"] == ["  "]
    assert state["f-dates.debut"] == ["2027-03-16"] and state["f-dates.debut_heure"] == ["18:00"]
    assert state["f-dates.fin"] == ["2027-03-16"] and state["f-dates.fin_heure"] == ["17:00"]
    assert state["f-recurrence.regle"] == ["monthly-weekday"] and state["f-recurrence.jusqu"] == ["2027-12-31"]
    assert state["f-description"] == ["Mon texte\n\nsur deux paragraphes"]
    assert state["f-lieu.adresse"] == ["Place du marché"]
    assert state["f-lieu.lat"] == ["47,65"] and state["f-lieu.lon"] == [""]
    assert state["f-commune"] == ["Redon"]
    assert state["f-themes"] == ["Culture", "Mobilité"]          # checked boxes, in the list's order
    assert state["f-organisateur"] == ["Les Amis"] and state["f-prix"] == ["5 €"]
    assert state["f-inscription"] == ["javascript:alert(1)"] and state["f-contact"] == ["pas-un-mail"]
    assert state["f-tags"] == ["vélo, pain"]
    assert state["comment"] == ["mon commentaire"] and state["author"] == ["Anouk"]
    assert Page.select().where(Page.kind != "page").count() == 0


def test_form_errors_on_dates_and_recurrence(app, en):
    token = csrf_token(en, "/fiches/agenda/new")
    r = en.post("/fiches/agenda/new", data={
        "csrf_token": token, "f-titre": "Atelier", "f-dates.debut": "16/03/2027", "f-dates.debut_heure": "25:00",
        "f-dates.fuseau": "Europe/Paris", "f-recurrence.regle": "FREQ=MINUTELY", "f-commune": "Paris",
        "f-themes": ["Mobilité", "Astrologie"], "f-lieu.lat": "91", "f-lieu.lon": "2"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "“16/03/2027T25:00” is not a date: write it as 2027-03-14 or 2027-03-14T18:30." in field_block(html, "dates")
    assert "This repetition is not understood: choose one in the list." in field_block(html, "recurrence")
    assert "“Paris” is not one of the choices." in field_block(html, "commune")
    assert "“Astrologie” is not one of the choices." in field_block(html, "themes")
    assert "The latitude must be a number between -90 and 90" in field_block(html, "lieu")
    state = form_state(html)
    assert state["f-dates.debut"] == ["16/03/2027"] and state["f-dates.debut_heure"] == ["25:00"]
    assert state["f-recurrence.regle"] == ["FREQ=MINUTELY"]      # kept as an "other" option
    assert state["f-commune"] == ["Paris"] and state["f-themes"] == ["Mobilité"]
    assert state["f-lieu.lat"] == ["91"]


def test_missing_start_date_in_the_form(app, en):
    r = en.post("/fiches/agenda/new", data={"csrf_token": csrf_token(en, "/fiches/agenda/new"),
                                            "f-titre": "Atelier", "f-dates.fin": "2027-03-16",
                                            "f-dates.fin_heure": "12:00"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Give the start date too." in field_block(html, "dates")
    assert form_state(html)["f-dates.fin_heure"] == ["12:00"]


def test_post_without_csrf_token_is_refused(add, values_of, en):
    r = en.post("/fiches/agenda/new", data={"f-titre": "Spam", "f-dates.debut": "2027-03-16"})
    assert r.status_code == 400
    r = en.post("/fiches/agenda/new", data={"csrf_token": "faux", "f-titre": "Spam", "f-dates.debut": "2027-03-16"})
    assert r.status_code == 400
    assert Page.select().where(Page.kind != "page").count() == 0 and Entry.select().count() == 0
    name = add("agenda", titre="Repair café", dates={"debut": "2027-03-16"})
    base = Page.get(Page.name == name).revision
    r = en.post(f"/wiki/{name}/edit", data={"base_revision": str(base), "f-titre": "Piraté",
                                            "f-dates.debut": "2027-03-16"})
    assert r.status_code == 400
    assert values_of(name)["titre"] == "Repair café"
    assert Revision.select().where(Revision.page == Page.get(Page.name == name)).count() == 1


def test_an_expired_form_gives_the_fiche_form_back_with_the_typed_values(add, values_of, en):
    r = en.post("/fiches/agenda/new", data={"csrf_token": "expiré", "f-titre": "Troc de graines",
                                            "f-dates.debut": "2027-04-03", "f-themes": ["Agriculture"]})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Your session had expired" in html
    state = form_state(html)
    assert state["f-titre"] == ["Troc de graines"] and state["f-themes"] == ["Agriculture"]
    name = add("agenda", titre="Repair café", dates={"debut": "2027-03-16"})
    base = Page.get(Page.name == name).revision
    r = en.post(f"/wiki/{name}/edit", data={"csrf_token": "expiré", "base_revision": str(base),
                                            "f-titre": "Repair café du samedi", "f-dates.debut": "2027-03-20"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Your session had expired" in html
    state = form_state(html)
    assert state["f-titre"] == ["Repair café du samedi"] and state["f-dates.debut"] == ["2027-03-20"]
    assert state["base_revision"] == [str(base)] and "source" not in state
    # saving the form given back goes through
    state["csrf_token"] = [csrf_token(en)]
    r = en.post(f"/wiki/{name}/edit", data=state)
    assert r.status_code == 302 and values_of(name)["titre"] == "Repair café du samedi"


# -- private fields ----------------------------------------------------------------------------
def test_private_fields_are_never_shown(add, en):
    name = add("initiatives", titre="Vélo-école", contact=SECRET_MAIL, description="Apprendre le vélo.",
               commune="Redon", lieu={"adresse": "Redon", "lat": "47.65", "lon": "-2.08"})
    html = get(en, f"/wiki/{name}")
    assert "Apprendre le vélo." in html and "zorglub" not in html and "Contact e-mail" not in html
    assert "zorglub" not in get(en, "/fiches/initiatives") and "zorglub" not in get(en, "/fiches/initiatives?layout=table")
    edit = get(en, f"/wiki/{name}/edit")
    assert "zorglub" not in edit and form_state(edit)["f-contact"] == [""]


def test_saving_the_edit_form_keeps_an_untouched_private_value(add, values_of, en):
    name = add("initiatives", titre="Vélo-école", contact=SECRET_MAIL, description="Apprendre le vélo.")
    state = form_state(get(en, f"/wiki/{name}/edit"))
    state["f-description"] = ["Apprendre le vélo, à tout âge."]
    r = en.post(f"/wiki/{name}/edit", data=state)
    assert r.status_code == 302
    values = values_of(name)
    assert values["description"] == "Apprendre le vélo, à tout âge." and values["contact"] == SECRET_MAIL
    # typing a new address replaces it
    state = form_state(get(en, f"/wiki/{name}/edit"))
    state["f-contact"] = ["nouveau@exemple.org"]
    assert en.post(f"/wiki/{name}/edit", data=state).status_code == 302
    assert values_of(name)["contact"] == "nouveau@exemple.org"


def test_edit_form_with_an_error_does_not_reveal_the_private_value(add, values_of, en):
    name = add("initiatives", titre="Vélo-école", contact=SECRET_MAIL)
    state = form_state(get(en, f"/wiki/{name}/edit"))
    state["f-site"] = ["javascript:alert(1)"]
    r = en.post(f"/wiki/{name}/edit", data=state)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "is not a web address" in field_block(html, "site")
    assert "zorglub" not in html and form_state(html)["f-contact"] == [""]
    assert values_of(name)["contact"] == SECRET_MAIL


def test_unchanged_edit_says_so(add, en):
    name = add("initiatives", titre="Vélo-école", contact=SECRET_MAIL)
    r = en.post(f"/wiki/{name}/edit", data=form_state(get(en, f"/wiki/{name}/edit")), follow_redirects=True)
    assert r.status_code == 200 and "No change to save." in r.get_data(as_text=True)
    assert Revision.select().where(Revision.page == Page.get(Page.name == name)).count() == 1


# -- the fiche page and its schema.org data ----------------------------------------------------
def test_event_page_and_json_ld(add, en):
    name = add("agenda", titre="Repair café", dates={"debut": "2027-03-16T14:00", "fin": "2027-03-16T18:00"},
               description="Vélos & grille-pain </script><script>alert(1)</script> <b>fin</b>",
               lieu={"adresse": "Écomusée", "lat": "47.6433", "lon": "-2.0639"}, contact=SECRET_MAIL,
               themes=["Mobilité"], tags="vélo", inscription="https://example.org/inscription")
    html = get(en, f"/wiki/{name}")
    data = json_ld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] == "Repair café" and data["url"] == f"http://localhost/wiki/{name}"
    assert (data["startDate"], data["endDate"]) == ("2027-03-16T14:00", "2027-03-16T18:00")
    assert data["location"] == {"@type": "Place", "address": "Écomusée",
                                "geo": {"@type": "GeoCoordinates", "latitude": 47.6433, "longitude": -2.0639}}
    assert data["description"] == "Vélos & grille-pain </script><script>alert(1)</script> <b>fin</b>"
    assert data["keywords"] == "Mobilité, vélo" and data["sameAs"] == "https://example.org/inscription"
    assert "zorglub" not in json.dumps(data) and "zorglub" not in html
    assert "<script>alert(1)" not in html                     # neither in the JSON-LD nor in the text
    head = html.split("</head>")[0]
    assert head.count("<script") == head.count("</script>")


def test_place_and_organisation_json_ld(add, en):
    name = add("lieux", titre="Le Grain", categorie="Tiers-lieu", telephone="02 99 71 06 04",
               lieu={"adresse": "3 rue du Port, Redon", "lat": "47,65", "lon": "-2,08"},
               horaires="Mardi 9 h – 12 h")
    data = json_ld(get(en, f"/wiki/{name}"))
    assert data["@type"] == "Place" and "location" not in data
    assert data["address"] == "3 rue du Port, Redon"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 47.65, "longitude": -2.08}
    assert data["telephone"] == "02 99 71 06 04"
    name = add("initiatives", titre="Vélo-école", contact=SECRET_MAIL, site="velo-ecole.example.org")
    html = get(en, f"/wiki/{name}")
    data = json_ld(html)
    assert data["@type"] == "Organization" and data["sameAs"] == "https://velo-ecole.example.org"
    assert "zorglub" not in html and "email" not in data


def test_fiche_page_shows_its_fields(add, en):
    name = add("lieux", titre="Le Grain", categorie="Tiers-lieu", telephone="02 99 71 06 04",
               lieu={"adresse": "3 rue du Port", "lat": "47.65", "lon": "-2.08"}, site="https://legrain.example.org",
               horaires="**Mardi** 9 h – 12 h")
    html = get(en, f"/wiki/{name}")
    assert "<h1>Le Grain</h1>" in html and '<a href="/fiches/lieux">Places</a>' in html
    assert '<a href="tel:0299710604">02 99 71 06 04</a>' in html
    assert '<a href="https://legrain.example.org" rel="nofollow ugc noopener">' in html
    assert "<strong>Mardi</strong> 9 h – 12 h" in html
    assert "3 rue du Port <small class=\"coords\">(47.65000, -2.08000)</small>" in html
    assert '<a class="tag" href="/fiches/lieux?categorie=Tiers-lieu">Tiers-lieu</a>' in html


def test_a_fiche_of_a_removed_form_is_not_a_500(within, en):
    """A page whose kind no form has any more (an instance removed its form file)."""
    from wiki.content import pages as content
    with within():
        content.save_page("ancienne", 'titre = "Ancienne"\n', kind="disparu", title_from=lambda text: "Ancienne")
    assert en.get("/wiki/ancienne").status_code == 404
    assert en.get("/wiki/ancienne/edit").status_code == 404
