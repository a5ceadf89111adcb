"""Fiches as pages: saving, the query columns, history, restore, trash, merges, search, moderation.

Everything runs on the real app and database (SQLite, or PostgreSQL with BOCAGE_TEST_POSTGRES);
the browser side goes through the real HTML forms with their CSRF token.
"""
import json
import random
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import csrf_token
from tests_helpers import COMMUNES, make_page, territory
from wiki import events
from wiki.content import pages as content
from wiki.fiches import entries, fields, queries
from wiki.fiches.forms import DEFAULTS
from wiki.models import Entry, EntryValue, Page, Revision

SECRET_MAIL = "zorglub.prive@exemple.org"


@pytest.fixture
def extra_forms():
    """Form files written into the instance folder (parametrize to override)."""
    return {}


@pytest.fixture
def instance_dir(tmp_path, extra_forms):
    path = territory(tmp_path)
    if extra_forms:
        (path / "forms").mkdir()
        for form_id, text in extra_forms.items():
            (path / "forms" / f"{form_id}.toml").write_text(text, encoding="utf-8")
    return path


def agenda():
    return entries.catalogue().form("agenda")


def repair_cafe(**changes):
    raw = {"titre": "Repair café",
           "dates": {"debut": "2027-03-16T08:00", "fin": "2027-03-16T12:00", "fuseau": "Europe/Paris"},
           "recurrence": {"regle": "FREQ=MONTHLY;BYDAY=3TU"},
           "description": "Atelier de réparation à l'Écomusée : vélos, grille-pain, vêtements.",
           "lieu": {"adresse": "Écomusée, Saint-Nicolas-de-Redon", "lat": "47.6433", "lon": "-2.0639"},
           "commune": "Saint-Nicolas-de-Redon", "themes": ["Mobilité", "Coopération"],
           "organisateur": "Les Bricoleurs", "prix": "Prix libre", "contact": SECRET_MAIL,
           "tags": "réparation, vélo"}
    raw.update(changes)
    return raw


def entry_row(name):
    return Entry.get(Entry.page == Page.get(Page.name == name).id)


def facet_values(name):
    page = Page.get(Page.name == name)
    return set(EntryValue.select(EntryValue.field, EntryValue.value)
               .where(EntryValue.entry == page.id).tuples())


def listed_names(form, **facets):
    return [row.name for row in queries.listing(form, queries.Filters(facets=facets)).rows]


# -- saving ------------------------------------------------------------------------------------
def test_save_entry_creates_a_page_its_text_and_its_query_columns(ctx):
    result = entries.save_entry(agenda(), repair_cafe(), comment="première", author="Maïwenn")
    assert result.created and not result.merged
    page = Page.get(Page.name == "repair-cafe")
    assert (page.kind, page.title, page.revision) == ("agenda", "Repair café", result.revision.id)
    revision = Revision.get(Revision.id == page.revision)
    assert (revision.number, revision.comment, revision.author, revision.action) == (1, "première", "Maïwenn", "create")
    expected = {"titre": "Repair café",
                "dates": {"debut": "2027-03-16T08:00", "fin": "2027-03-16T12:00", "fuseau": "Europe/Paris"},
                "recurrence": "FREQ=MONTHLY;BYDAY=3TU",
                "description": "Atelier de réparation à l'Écomusée : vélos, grille-pain, vêtements.",
                "lieu": {"adresse": "Écomusée, Saint-Nicolas-de-Redon", "lat": 47.6433, "lon": -2.0639},
                "commune": "Saint-Nicolas-de-Redon", "themes": ["Coopération", "Mobilité"],
                "organisateur": "Les Bricoleurs", "prix": "Prix libre", "contact": SECRET_MAIL,
                "tags": ["réparation", "vélo"]}
    # the text is TOML, fields in the form's order, a blank line between them
    assert entries.from_source(revision.source) == expected
    assert revision.source.startswith('titre = "Repair café"\n\ndates = { debut = "2027-03-16T08:00", '
                                      'fin = "2027-03-16T12:00", fuseau = "Europe/Paris" }\n\n'
                                      'recurrence = "FREQ=MONTHLY;BYDAY=3TU"\n\n')
    assert [line.split(" = ")[0] for line in revision.source.split("\n\n") if " = " in line][:4] == [
        "titre", "dates", "recurrence", "description"]
    row = entry_row("repair-cafe")
    assert (row.form, row.status, row.title, row.sort_key) == ("agenda", "published", "Repair café", "repair cafe")
    assert (row.lat, row.lon) == (47.6433, -2.0639)
    assert row.starts == datetime(2027, 3, 16, 7, 0)        # 08:00 in Paris (winter time) is 07:00 UTC
    assert row.ends == datetime(2027, 3, 16, 11, 0)
    assert row.recurrence == "FREQ=MONTHLY;BYDAY=3TU"
    assert json.loads(row.data) == expected
    assert "reparation" in row.words.split() and "ecomusee" in row.words.split()
    assert "zorglub" not in row.words                         # private fields are not in the filter text
    assert facet_values("repair-cafe") == {
        ("commune", "Saint-Nicolas-de-Redon"), ("themes", "Coopération"), ("themes", "Mobilité"),
        ("tags", "réparation"), ("tags", "vélo")}


def test_utc_columns_in_summer_all_day_and_other_zones(ctx):
    entries.save_entry(agenda(), {"titre": "Fête de la musique", "dates": {"debut": "2027-06-21T18:00",
                                                                            "fin": "2027-06-22T01:30"}})
    row = entry_row("fete-de-la-musique")
    assert (row.starts, row.ends) == (datetime(2027, 6, 21, 16, 0), datetime(2027, 6, 21, 23, 30))
    entries.save_entry(agenda(), {"titre": "Foire", "dates": {"debut": "2027-03-14", "fin": "2027-03-15"}})
    row = entry_row("foire")     # all day: from midnight to the end of the last day, Paris time
    assert row.starts == datetime(2027, 3, 13, 23, 0)
    assert row.ends == datetime(2027, 3, 15, 22, 59, 59, 999999)
    entries.save_entry(agenda(), {"titre": "Visio Cayenne", "dates": {"debut": "2027-03-16T08:00",
                                                                       "fuseau": "America/Cayenne"}})
    row = entry_row("visio-cayenne")
    assert (row.starts, row.ends) == (datetime(2027, 3, 16, 11, 0), datetime(2027, 3, 16, 11, 0))
    assert row.recurrence == "" and row.lat is None


def test_invalid_entry_saves_nothing(ctx):
    with pytest.raises(entries.InvalidEntry) as caught:
        entries.save_entry(agenda(), repair_cafe(dates={"debut": "2027-03-16", "fin": "2027-03-15"},
                                                 lieu={"lat": "47.6"}))
    assert caught.value.status == 400
    assert set(caught.value.errors) == {"dates", "lieu"}
    assert caught.value.raw["titre"] == "Repair café"
    assert Page.select().where(Page.kind == "agenda").count() == 0 and Entry.select().count() == 0


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31T23:00"])
def test_dates_at_the_ends_of_the_calendar_are_refused_not_a_crash(ctx, start):
    with pytest.raises(entries.InvalidEntry) as caught:
        entries.save_entry(agenda(), {"titre": "Au bout du temps", "dates": {"debut": start,
                                                                              "fuseau": "Etc/GMT+12"}})
    assert set(caught.value.errors) == {"dates"}
    assert Page.select().count() == 0


def test_new_name_from_the_title(ctx):
    assert entries.new_name("Repair café") == "repair-cafe"
    assert entries.save_entry(agenda(), repair_cafe()).page.name == "repair-cafe"
    assert entries.new_name("Repair Café !") == "repair-cafe-2"
    assert entries.save_entry(agenda(), repair_cafe()).page.name == "repair-cafe-2"
    assert entries.save_entry(agenda(), repair_cafe()).page.name == "repair-cafe-3"
    assert entries.new_name("Repair café de Redon") == "repair-cafe-de-redon"
    assert entries.new_name("!!!") == "fiche"
    long_name = entries.new_name("x" * 150)        # room is left for a "-2" suffix
    assert long_name == "x" * len(long_name) and 80 <= len(long_name) <= 98
    names = [entries.save_entry(agenda(), repair_cafe(titre="x" * 150)).page.name for _ in range(2)]
    assert names == [long_name, long_name + "-2"]


def test_editing_makes_revision_two_and_updates_the_columns(ctx):
    first = entries.save_entry(agenda(), repair_cafe())
    result = entries.save_entry(agenda(), repair_cafe(commune="Redon", themes=["Culture"], lieu={}),
                                name="repair-cafe", base_revision=first.revision.id, comment="déménagé")
    assert not result.created and not result.merged
    assert result.revision.number == 2 and result.revision.comment == "déménagé"
    assert Revision.select().where(Revision.page == result.page).count() == 2
    row = entry_row("repair-cafe")
    assert (row.lat, row.lon) == (None, None)
    assert json.loads(row.data)["commune"] == "Redon" and "lieu" not in json.loads(row.data)
    assert facet_values("repair-cafe") == {("commune", "Redon"), ("themes", "Culture"),
                                           ("tags", "réparation"), ("tags", "vélo")}
    again = entries.save_entry(agenda(), repair_cafe(commune="Redon", themes=["Culture"], lieu={}),
                               name="repair-cafe", base_revision=result.revision.id)
    assert again.unchanged and Revision.select().where(Revision.page == result.page).count() == 2


def test_title_change_renames_nothing_but_updates_titles(ctx):
    first = entries.save_entry(agenda(), repair_cafe())
    entries.save_entry(agenda(), repair_cafe(titre="Café réparation"), name="repair-cafe",
                       base_revision=first.revision.id)
    page = Page.get(Page.name == "repair-cafe")
    assert page.title == "Café réparation" and entry_row("repair-cafe").sort_key == "cafe reparation"


def test_history_and_diff_pages_of_a_fiche(ctx, client):
    first = entries.save_entry(agenda(), repair_cafe(), comment="création du repair café")
    second = entries.save_entry(agenda(), repair_cafe(prix="Gratuit"), name="repair-cafe",
                                base_revision=first.revision.id, comment="c'est gratuit")
    r = client.get("/wiki/repair-cafe/history")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "création du repair café" in html and "c&#39;est gratuit" in html
    assert "#1" in html and "#2" in html
    r = client.get("/wiki/repair-cafe/diff")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert re.search(r'<tr class="del">.*?prix = &#34;<del>Prix libre</del>&#34;', html, re.S)
    assert re.search(r'<tr class="add">.*?prix = &#34;<ins>Gratuit</ins>&#34;', html, re.S)
    r = client.get(f"/wiki/repair-cafe/diff?from={first.revision.id}&to={second.revision.id}")
    assert r.status_code == 200 and "<ins>Gratuit</ins>" in r.get_data(as_text=True)
    assert client.get(f"/wiki/repair-cafe/revisions/{first.revision.id}").status_code == 200


def test_history_does_not_show_private_fields(ctx, client):
    first = entries.save_entry(agenda(), repair_cafe())
    second = entries.save_entry(agenda(), repair_cafe(prix="Gratuit", contact="autre.prive@exemple.org"),
                                name="repair-cafe", base_revision=first.revision.id)
    for path in ["/wiki/repair-cafe/diff", f"/wiki/repair-cafe/revisions/{first.revision.id}",
                 f"/wiki/repair-cafe/revisions/{second.revision.id}"]:
        html = client.get(path).get_data(as_text=True)
        assert "zorglub" not in html and "autre.prive" not in html, path


def test_restore_of_revision_one_reprojects_the_entry(ctx, client):
    first = entries.save_entry(agenda(), repair_cafe())
    entries.save_entry(agenda(), repair_cafe(commune="Allaire", lieu={}, titre="Repair café d'Allaire"),
                       name="repair-cafe", base_revision=first.revision.id)
    assert listed_names(agenda(), commune=["Saint-Nicolas-de-Redon"]) == []
    result = content.restore_revision("repair-cafe", first.revision.id, author="Yann")
    assert result.revision.number == 3 and result.revision.action == "restore"
    row = entry_row("repair-cafe")
    assert row.title == "Repair café" and Page.get(Page.name == "repair-cafe").title == "Repair café"
    assert (row.lat, row.lon) == (47.6433, -2.0639)
    assert json.loads(row.data)["commune"] == "Saint-Nicolas-de-Redon"
    assert ("commune", "Saint-Nicolas-de-Redon") in facet_values("repair-cafe")
    assert ("commune", "Allaire") not in facet_values("repair-cafe")
    assert listed_names(agenda(), commune=["Saint-Nicolas-de-Redon"]) == ["repair-cafe"]
    assert listed_names(agenda(), commune=["Allaire"]) == []


def test_restore_through_the_history_form(ctx, client):
    first = entries.save_entry(agenda(), repair_cafe())
    entries.save_entry(agenda(), repair_cafe(commune="Allaire"), name="repair-cafe",
                       base_revision=first.revision.id)
    r = client.post(f"/wiki/repair-cafe/revisions/{first.revision.id}/restore",
                    data={"csrf_token": csrf_token(client, "/wiki/repair-cafe/diff")})
    assert r.status_code == 302 and r.headers["Location"].endswith("/wiki/repair-cafe")
    assert json.loads(entry_row("repair-cafe").data)["commune"] == "Saint-Nicolas-de-Redon"
    html = client.get("/wiki/repair-cafe").get_data(as_text=True)
    assert "Saint-Nicolas-de-Redon</a>" in html and "Allaire</a>" not in html


def test_trash_hides_the_fiche_and_undelete_brings_it_back(ctx, client):
    entries.save_entry(agenda(), repair_cafe())
    entries.save_entry(agenda(), repair_cafe(titre="Marché du mardi"))
    assert listed_names(agenda()) == ["marche-du-mardi", "repair-cafe"]
    content.delete_page("repair-cafe", comment="annulé")
    assert listed_names(agenda()) == ["marche-du-mardi"]
    assert queries.listing(agenda(), queries.Filters()).total == 1
    assert dict(queries.facet_counts(agenda(), queries.Filters()))["commune"] == [("Saint-Nicolas-de-Redon", 1)]
    html = client.get("/fiches/agenda").get_data(as_text=True)
    assert "/wiki/repair-cafe" not in html and "/wiki/marche-du-mardi" in html
    assert client.get("/wiki/repair-cafe").status_code == 404
    content.undelete_page("repair-cafe")
    assert listed_names(agenda()) == ["marche-du-mardi", "repair-cafe"]
    assert "/wiki/repair-cafe" in client.get("/fiches/agenda").get_data(as_text=True)
    assert client.get("/wiki/repair-cafe").status_code == 200


def test_trash_and_undelete_through_the_browser(ctx, client):
    entries.save_entry(agenda(), repair_cafe())
    token = csrf_token(client, "/wiki/repair-cafe/delete")
    assert client.post("/wiki/repair-cafe/delete", data={"csrf_token": token}).status_code == 302
    assert listed_names(agenda()) == []
    assert client.post("/wiki/repair-cafe/undelete", data={"csrf_token": token}).status_code == 302
    assert listed_names(agenda()) == ["repair-cafe"]


# -- concurrent edits ----------------------------------------------------------------------------
def test_concurrent_edits_of_different_fields_merge(ctx):
    base = entries.save_entry(agenda(), repair_cafe()).revision.id
    entries.save_entry(agenda(), repair_cafe(titre="Repair café des Bricoleurs"), name="repair-cafe",
                       base_revision=base)
    result = entries.save_entry(agenda(), repair_cafe(prix="Gratuit"), name="repair-cafe", base_revision=base)
    assert result.merged and result.revision.number == 3 and result.revision.action == "merge"
    data = json.loads(entry_row("repair-cafe").data)
    assert data["titre"] == "Repair café des Bricoleurs" and data["prix"] == "Gratuit"
    assert Page.get(Page.name == "repair-cafe").title == "Repair café des Bricoleurs"
    assert entries.from_source(result.revision.source) == data


def test_concurrent_edits_of_neighbouring_fields_merge(ctx):
    # commune and themes are next to each other in the form: one blank line between them
    base = entries.save_entry(agenda(), repair_cafe()).revision.id
    entries.save_entry(agenda(), repair_cafe(commune="Redon"), name="repair-cafe", base_revision=base)
    result = entries.save_entry(agenda(), repair_cafe(themes=["Culture"]), name="repair-cafe",
                                base_revision=base)
    assert result.merged
    data = json.loads(entry_row("repair-cafe").data)
    assert (data["commune"], data["themes"]) == ("Redon", ["Culture"])
    assert facet_values("repair-cafe") >= {("commune", "Redon"), ("themes", "Culture")}
    assert ("themes", "Mobilité") not in facet_values("repair-cafe")


def test_concurrent_edits_of_the_same_field_conflict(ctx):
    base = entries.save_entry(agenda(), repair_cafe()).revision.id
    theirs = entries.save_entry(agenda(), repair_cafe(prix="5 €"), name="repair-cafe", base_revision=base)
    with pytest.raises(content.MergeConflict) as caught:
        entries.save_entry(agenda(), repair_cafe(prix="Gratuit"), name="repair-cafe", base_revision=base)
    assert caught.value.status == 409
    assert caught.value.current.id == theirs.revision.id
    assert entries.from_source(caught.value.mine)["prix"] == "Gratuit"
    assert json.loads(entry_row("repair-cafe").data)["prix"] == "5 €"
    assert Revision.select().where(Revision.page == theirs.page).count() == 2


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") not in ("checkbox", "radio") and "name" in attrs:
            self.values[attrs["name"]] = attrs.get("value") or ""


def fiche_inputs(html):
    """name -> value of the (non-checkbox) inputs of a rendered form."""
    parser = _Inputs()
    parser.feed(html)
    return parser.values


def test_same_field_conflict_in_the_browser_answers_409_with_the_persons_values(ctx, client):
    base = entries.save_entry(agenda(), repair_cafe()).revision.id
    token = csrf_token(client, "/wiki/repair-cafe/edit")
    theirs = entries.save_entry(agenda(), repair_cafe(prix="5 €"), name="repair-cafe", base_revision=base)
    r = client.post("/wiki/repair-cafe/edit", data={
        "csrf_token": token, "base_revision": str(base), "f-titre": "Repair café",
        "f-dates.debut": "2027-03-16", "f-dates.debut_heure": "08:00", "f-dates.fin": "2027-03-16",
        "f-dates.fin_heure": "12:00", "f-dates.fuseau": "Europe/Paris", "f-recurrence.regle": "monthly-weekday",
        "f-prix": "Gratuit pour les adhérents", "f-commune": "Allaire", "f-themes": ["Culture", "Énergie"],
        "f-tags": "réparation, vélo", "f-description": "Texte à moi", "comment": "mon avis", "author": "Loïc"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    inputs = fiche_inputs(html)
    assert inputs["f-prix"] == "Gratuit pour les adhérents"
    assert inputs["base_revision"] == str(theirs.revision.id)          # saving again resolves it
    assert inputs["comment"] == "mon avis" and inputs["author"] == "Loïc"
    assert inputs["f-dates.debut_heure"] == "08:00"
    assert ">Texte à moi</textarea>" in html
    assert "<option selected>Allaire</option>" in html
    assert 'value="Culture" checked' in html and 'value="Énergie" checked' in html
    assert 'value="Mobilité" checked' not in html
    assert 'class="conflict"' in html and "5 €" in html
    # the private e-mail was left empty (kept as saved): neither the inputs nor the diff show it
    assert inputs["f-contact"] == "" and "zorglub" not in html
    assert json.loads(entry_row("repair-cafe").data)["prix"] == "5 €"
    # saving again from the conflict form (its base is now the other version) goes through
    r = client.post("/wiki/repair-cafe/edit", data={
        "csrf_token": token, "base_revision": inputs["base_revision"], "f-titre": "Repair café",
        "f-dates.debut": "2027-03-16", "f-dates.fuseau": "Europe/Paris", "f-prix": "Gratuit pour les adhérents"})
    assert r.status_code == 302
    assert json.loads(entry_row("repair-cafe").data)["prix"] == "Gratuit pour les adhérents"


def test_a_fiche_cannot_take_the_name_of_a_page(ctx, client):
    make_page(client, "repair-cafe", "# Repair café\n\nUne page ordinaire.")
    with pytest.raises(content.ContentError) as caught:
        entries.save_entry(agenda(), repair_cafe(), name="repair-cafe")
    assert caught.value.status == 409
    page = Page.get(Page.name == "repair-cafe")
    assert page.kind == "page" and Revision.select().where(Revision.page == page).count() == 1
    assert Entry.select().count() == 0
    assert entries.new_name("Repair café") == "repair-cafe-2"
    assert entries.save_entry(agenda(), repair_cafe()).page.name == "repair-cafe-2"
    # and a page save cannot turn a fiche into a page either
    with pytest.raises(content.ContentError) as caught:
        content.save_page("repair-cafe-2", "# Repair café\n", kind="page")
    assert caught.value.status == 409


def test_the_page_editor_of_a_fiche_name_saves_the_fiche(ctx, client):
    """POST /wiki/<fiche>/edit is the fiche's form, whatever a page editor would send."""
    entries.save_entry(agenda(), repair_cafe())
    r = client.post("/wiki/repair-cafe/edit", data={"csrf_token": csrf_token(client), "source": "# Pirate\n",
                                                    "base_revision": ""})
    assert r.status_code == 400
    assert Page.get(Page.name == "repair-cafe").kind == "agenda"
    assert entries.from_source(Revision.get(Revision.id == Page.get(Page.name == "repair-cafe").revision)
                               .source)["titre"] == "Repair café"


# -- search and events ---------------------------------------------------------------------------
def test_search_finds_a_fiche_by_its_public_words_but_not_its_private_email(ctx):
    entries.save_entry(agenda(), repair_cafe())
    index = ctx.extensions["bocage.search"]
    for query in ["ecomusee", "Écomusée", "REPARATION grille-pain", "vetements", "Bricoleurs"]:
        hits = index.search(query).hits
        assert [h.name for h in hits] == ["repair-cafe"], query
        assert hits[0].kind == "agenda" and hits[0].title == "Repair café"
    assert index.search("zorglub").total == 0
    assert index.search("zorglub.prive").total == 0
    assert index.search("zorglub.prive@exemple.org").total == 0


def test_search_follows_edits_and_the_trash(ctx):
    first = entries.save_entry(agenda(), repair_cafe())
    index = ctx.extensions["bocage.search"]
    entries.save_entry(agenda(), repair_cafe(description="Atelier de couture."), name="repair-cafe",
                       base_revision=first.revision.id)
    assert index.search("grille-pain").total == 0 and index.search("couture").total == 1
    content.delete_page("repair-cafe")
    assert index.search("couture").total == 0
    content.undelete_page("repair-cafe")
    assert index.search("couture").total == 1


def test_content_events_are_sent_for_fiches(ctx):
    seen = []

    def receiver(app, page, revision, created, **_):
        seen.append((page.name, page.kind, revision.number, created))

    events.page_saved.connect(receiver)
    try:
        first = entries.save_entry(agenda(), repair_cafe())
        entries.save_entry(agenda(), repair_cafe(prix="Gratuit"), name="repair-cafe",
                           base_revision=first.revision.id)
        entries.save_entry(agenda(), repair_cafe(prix="Gratuit"), name="repair-cafe",
                           base_revision=first.revision.id + 1)   # unchanged: no event
        content.restore_revision("repair-cafe", first.revision.id)
    finally:
        events.page_saved.disconnect(receiver)
    assert seen == [("repair-cafe", "agenda", 1, True), ("repair-cafe", "agenda", 2, False),
                    ("repair-cafe", "agenda", 3, False)]


# -- moderation ----------------------------------------------------------------------------------
MODERATED_AGENDA = (DEFAULTS / "forms" / "agenda.toml").read_text(encoding="utf-8").replace(
    "moderation = false", "moderation = true")


def test_the_default_forms_are_not_moderated(ctx):
    assert "moderation = true" in MODERATED_AGENDA
    assert not any(form.moderation for form in entries.catalogue().forms.values())


@pytest.mark.parametrize("extra_forms", [{"agenda": MODERATED_AGENDA}])
def test_a_moderated_form_keeps_new_fiches_pending(app, client):
    client.set_cookie("lang", "en")

    def listed():
        with app.test_request_context():
            return listed_names(agenda())

    with app.test_request_context():
        assert agenda().moderation
    html = client.get("/fiches/agenda/new").get_data(as_text=True)
    assert "A moderator checks new fiches before they are listed." in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post("/fiches/agenda/new", data={
        "csrf_token": token, "f-titre": "Troc de graines", "f-dates.debut": "2027-04-03",
        "f-dates.fuseau": "Europe/Paris", "f-commune": "Redon"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/fiches/agenda")
    assert entry_row("troc-de-graines").status == "pending"
    assert listed() == []
    with app.test_request_context():
        assert listed_names(agenda()) == [] and [row.name for row in queries.listing(
            agenda(), queries.Filters(status="pending")).rows] == ["troc-de-graines"]
    html = client.get("/fiches/agenda").get_data(as_text=True)
    assert "Thank you! Your fiche will appear once a moderator has checked it." in html
    assert "/wiki/troc-de-graines" not in html and "Troc de graines" not in html
    assert re.search(r'<strong>Events</strong></a>\s*\(0 fiches\)', client.get("/fiches").get_data(as_text=True))
    # the fiche exists and says it waits; once approved it is listed; an edit does not send it back
    assert "waiting for a moderator" in client.get("/wiki/troc-de-graines").get_data(as_text=True)
    with app.test_request_context():
        entries.set_status(Page.get(Page.name == "troc-de-graines"), "published")
    assert listed() == ["troc-de-graines"]
    base = Page.get(Page.name == "troc-de-graines").revision
    r = client.post("/wiki/troc-de-graines/edit", data={
        "csrf_token": token, "base_revision": str(base), "f-titre": "Troc de graines et de plants",
        "f-dates.debut": "2027-04-03", "f-dates.fuseau": "Europe/Paris"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/wiki/troc-de-graines")
    assert entry_row("troc-de-graines").status == "published"
    assert listed() == ["troc-de-graines"]
    assert re.search(r'<strong>Events</strong></a>\s*\(1 fiche\)', client.get("/fiches").get_data(as_text=True))


@pytest.mark.parametrize("extra_forms", [{"agenda": MODERATED_AGENDA}])
def test_save_entry_status_only_applies_to_a_new_fiche(ctx):
    first = entries.save_entry(agenda(), repair_cafe(), status="pending")
    assert entry_row("repair-cafe").status == "pending"
    entries.set_status(first.page, "published")
    entries.save_entry(agenda(), repair_cafe(prix="Gratuit"), name="repair-cafe",
                       base_revision=first.revision.id, status="pending")
    assert entry_row("repair-cafe").status == "published"


# -- property: whatever valid values, saved and read back unchanged ---------------------------------
_WORDS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
_VALID = st.fixed_dictionaries({
    "titre": st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçœ0123456789 '-", min_size=1, max_size=80)
                .filter(lambda t: any(c.isalnum() for c in t)),
    "dates": st.tuples(st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)),
                       st.timedeltas(timedelta(0), timedelta(days=3)), st.booleans(),
                       st.sampled_from(["Europe/Paris", "America/Cayenne", "Indian/Reunion", "UTC", ""])).map(
        lambda t: {"debut": t[0].strftime("%Y-%m-%d" if t[2] else "%Y-%m-%dT%H:%M"),
                   "fin": (t[0] + t[1]).strftime("%Y-%m-%d" if t[2] else "%Y-%m-%dT%H:%M"), "fuseau": t[3]}),
    "recurrence": st.sampled_from(["", "FREQ=WEEKLY;BYDAY=TU", "FREQ=MONTHLY;BYDAY=-1SA", "FREQ=YEARLY"]),
    "description": _WORDS,
    "lieu": st.one_of(st.just({}), st.tuples(_WORDS, st.floats(-90, 90), st.floats(-180, 180)).map(
        lambda t: {"adresse": t[0], "lat": str(t[1]), "lon": str(t[2]).replace(".", ",")})),
    "commune": st.sampled_from([""] + COMMUNES),
    "themes": st.lists(st.sampled_from(["Agriculture", "Mobilité", "Énergie", "Culture"]), max_size=4),
    "organisateur": _WORDS, "prix": _WORDS,
    "contact": st.sampled_from(["", SECRET_MAIL]),
    "tags": st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzé -", max_size=20), max_size=8),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          database=None)
@given(raw=_VALID)
def test_property_valid_fiches_are_stored_and_read_back_unchanged(ctx, raw):
    random.seed()     # whoosh names its segments with `random`, which Hypothesis seeds the same each time
    page = Page.get_or_none(Page.name == "essai")
    result = entries.save_entry(agenda(), raw, name="essai", base_revision=page.revision if page else None)
    values, errors = fields.clean_entry(agenda(), raw, entries.catalogue())
    assert errors == {}
    revision = Revision.get(Revision.id == Page.get(Page.name == "essai").revision)
    assert entries.from_source(revision.source) == values
    row = entry_row("essai")
    assert json.loads(row.data) == values
    assert row.title == values["titre"] and Page.get(Page.name == "essai").title == values["titre"]
    assert (row.lat, row.lon) == ((values["lieu"]["lat"], values["lieu"]["lon"]) if "lat" in values.get("lieu", {})
                                  else (None, None))
    assert row.starts is not None and row.ends is not None and row.starts <= row.ends
    assert facet_values("essai") == ({("commune", values["commune"])} if "commune" in values else set()) | {
        ("themes", t) for t in values.get("themes", [])} | {("tags", t) for t in values.get("tags", [])}
    assert "zorglub" not in row.words
    assert result.unchanged or result.revision.id == revision.id
