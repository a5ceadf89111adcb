"""Fiches, field by field: what each field type accepts, what it answers when it does not.

The cleaners run on the real catalogue of a real instance (the built-in forms, plus a communes
list written into the instance folder), in an English request so the messages can be compared.
"""
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiki.fiches import entries, fields, webform
from wiki.fiches.forms import parse_form
from tests_helpers import territory

NOT_A_MOMENT = "“{}” is not a date: write it as 2027-03-14 or 2027-03-14T18:30."
REPEAT_NOT_UNDERSTOOD = "This repetition is not understood: choose one in the list."


@pytest.fixture
def instance_dir(tmp_path):
    return territory(tmp_path)


@pytest.fixture
def cat(app):
    """The instance's catalogue, inside an English request (messages are compared as text)."""
    with app.test_request_context("/?lang=en"):
        yield app.extensions["bocage.catalogue"]


# A form with one field of every type, the ones the built-in forms do not use included.
EVERY_TYPE = parse_form({
    "id": "essai", "title": "nom",
    "fields": [{"id": "nom", "type": "text", "required": True},
               {"id": "texte", "type": "markdown"},
               {"id": "jour", "type": "date"},
               {"id": "quand", "type": "dates"},
               {"id": "repete", "type": "recurrence"},
               {"id": "photo", "type": "image"},
               {"id": "doc", "type": "file"},
               {"id": "site", "type": "url"},
               {"id": "mel", "type": "email"},
               {"id": "tel", "type": "phone"},
               {"id": "ou", "type": "geo"},
               {"id": "commune", "type": "choice", "list": "communes"},
               {"id": "themes", "type": "multiple", "list": "themes"},
               {"id": "mots", "type": "tags"},
               {"id": "lien", "type": "entry", "form": "initiatives"}]})


def clean(cat, field_id, raw, form=EVERY_TYPE):
    """(value, None) or (None, message) for one field."""
    field = form.field(field_id)
    try:
        return fields.CLEANERS[field.type](field, raw, cat), None
    except fields.FieldError as exc:
        return None, str(exc.message)


def ok(cat, field_id, raw, form=EVERY_TYPE):
    value, error = clean(cat, field_id, raw, form)
    assert error is None, error
    return value


def refused(cat, field_id, raw, form=EVERY_TYPE):
    value, error = clean(cat, field_id, raw, form)
    assert error is not None, f"{raw!r} was accepted as {value!r}"
    return error


# -- text and markdown -------------------------------------------------------------------------
def test_text_is_one_trimmed_line(cat):
    assert ok(cat, "nom", "  Repair   café\n de  Redon ") == "Repair café de Redon"
    assert ok(cat, "nom", "a\x00b\x07c") == "abc"                      # control characters go
    assert ok(cat, "nom", ["premier", "second"]) == "premier"         # a repeated input: the first
    assert ok(cat, "nom", None) == ""
    assert refused(cat, "nom", {"x": "y"}) == "A text was expected here."


def test_text_length_limit(cat):
    assert ok(cat, "nom", "é" * 300) == "é" * 300
    assert refused(cat, "nom", "é" * 301) == "At most 300 characters here."
    # the limit applies to what is kept, not to the spaces around it
    assert ok(cat, "nom", "   " + "x" * 300 + "   ") == "x" * 300


def test_markdown_keeps_lines_and_has_a_size_limit(cat):
    assert ok(cat, "texte", "Ligne 1\r\n\r\n**Ligne 2**\n") == "Ligne 1\n\n**Ligne 2**"
    assert ok(cat, "texte", "x" * 20_000) == "x" * 20_000
    assert refused(cat, "texte", "x" * 20_001) == "At most 20000 characters here."


# -- a single date -------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["14/03/2027", "2027-3-14", "2027-02-30", "demain", "2027-03-14T10:00"])
def test_date_refuses_other_formats(cat, raw):
    assert refused(cat, "jour", raw) == f"“{raw}” is not a date: write it as 2027-03-14."


def test_date_valid(cat):
    assert ok(cat, "jour", " 2027-03-14 ") == "2027-03-14"
    assert ok(cat, "jour", "2028-02-29") == "2028-02-29"
    assert ok(cat, "jour", "") == ""


# -- dates of an event ---------------------------------------------------------------------------
def test_dates_all_day_and_with_times(cat):
    assert ok(cat, "quand", {"debut": "2027-03-14"}) == {
        "debut": "2027-03-14", "fin": "2027-03-14", "fuseau": "Europe/Paris"}
    assert ok(cat, "quand", {"debut": "2027-03-14", "fin": "2027-03-16", "fuseau": "America/Cayenne"}) == {
        "debut": "2027-03-14", "fin": "2027-03-16", "fuseau": "America/Cayenne"}
    assert ok(cat, "quand", {"debut": "2027-03-14T14:00", "fin": "2027-03-14 18:30:00"}) == {
        "debut": "2027-03-14T14:00", "fin": "2027-03-14T18:30", "fuseau": "Europe/Paris"}
    # a plain text is the start date
    assert ok(cat, "quand", "2027-03-14") == {"debut": "2027-03-14", "fin": "2027-03-14",
                                              "fuseau": "Europe/Paris"}
    assert ok(cat, "quand", {}) == {} and ok(cat, "quand", {"debut": " ", "fin": ""}) == {}


def test_dates_mixing_all_day_and_a_time(cat):
    # a time on one side only: the other side covers its whole day
    assert ok(cat, "quand", {"debut": "2027-03-14T10:00", "fin": "2027-03-15"}) == {
        "debut": "2027-03-14T10:00", "fin": "2027-03-15T23:59", "fuseau": "Europe/Paris"}
    assert ok(cat, "quand", {"debut": "2027-03-14", "fin": "2027-03-14T10:00"}) == {
        "debut": "2027-03-14T00:00", "fin": "2027-03-14T10:00", "fuseau": "Europe/Paris"}
    assert ok(cat, "quand", {"debut": "2027-03-14T18:30", "fin": "2027-03-14"})["fin"] == "2027-03-14T23:59"


@pytest.mark.parametrize("raw", [
    {"debut": "2027-03-14", "fin": "2027-03-13"},
    {"debut": "2027-03-14T18:30", "fin": "2027-03-14T17:00"},
    {"debut": "2027-03-15T10:00", "fin": "2027-03-14"},           # mixed, still reversed
])
def test_dates_reversed_range(cat, raw):
    assert refused(cat, "quand", raw) == "The event ends before it starts: check the end date."


@pytest.mark.parametrize("raw, shown", [
    ({"debut": "14/03/2027"}, "14/03/2027"),
    ({"debut": "2027-02-30"}, "2027-02-30"),
    ({"debut": "2027-03-14T25:00"}, "2027-03-14T25:00"),
    ({"debut": "2027-03-14", "fin": "dimanche"}, "dimanche"),
    ({"debut": "2027-03-14T10h"}, "2027-03-14T10h"),
])
def test_dates_bad_formats(cat, raw, shown):
    assert refused(cat, "quand", raw) == NOT_A_MOMENT.format(shown)


def test_dates_missing_start(cat):
    assert refused(cat, "quand", {"fin": "2027-03-14"}) == "Give the start date too."


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Europe/", "../etc/passwd", "utc"])
def test_dates_unknown_time_zone(cat, zone):
    assert refused(cat, "quand", {"debut": "2027-03-14", "fuseau": zone}) == (
        f"Unknown time zone “{zone}” (for example Europe/Paris).")


@pytest.mark.parametrize("zone", ["Europe", "x" * 300])
def test_dates_time_zone_that_is_a_folder_or_too_long(cat, zone):
    # ZoneInfo raises IsADirectoryError / OSError for these, not ZoneInfoNotFoundError
    assert refused(cat, "quand", {"debut": "2027-03-14", "fuseau": zone}) == (
        f"Unknown time zone “{zone[:40]}” (for example Europe/Paris).")


@pytest.mark.parametrize("start", ["0001-01-01", "0001-01-01T00:30", "9999-12-31T23:00"])
def test_dates_too_far_to_be_stored_in_utc_are_refused(cat, start):
    # 0001-01-01 in Paris is in year 0 in UTC: the query columns could not hold it
    assert refused(cat, "quand", {"debut": start, "fuseau": "Etc/GMT-14" if start < "5" else "Etc/GMT+12"}) \
        == NOT_A_MOMENT.format(start)


# -- recurrence ----------------------------------------------------------------------------------
@pytest.mark.parametrize("preset, start, rule", [
    ("weekly", "2027-03-16", "FREQ=WEEKLY;BYDAY=TU"),
    ("weekly", "2027-03-06T10:00", "FREQ=WEEKLY;BYDAY=SA"),
    ("biweekly", "2027-03-14", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU"),
    ("monthly-weekday", "2027-03-06", "FREQ=MONTHLY;BYDAY=1SA"),      # first Saturday
    ("monthly-weekday", "2027-03-16", "FREQ=MONTHLY;BYDAY=3TU"),      # third Tuesday
    ("monthly-weekday", "2027-03-27", "FREQ=MONTHLY;BYDAY=4SA"),
    ("monthly-weekday", "2027-03-30", "FREQ=MONTHLY;BYDAY=-1TU"),     # fifth week: the last one
    ("monthly-weekday", "2027-03-29T18:00", "FREQ=MONTHLY;BYDAY=-1MO"),
    ("monthly-day", "2027-03-06", "FREQ=MONTHLY;BYMONTHDAY=6"),
    ("yearly", "2027-03-06", "FREQ=YEARLY"),
    ("", "2027-03-06", ""),
    ("weekly", "", "FREQ=WEEKLY"),                                     # no start date yet
    ("FREQ=DAILY;COUNT=3", "2027-03-06", "FREQ=DAILY;COUNT=3"),        # a custom rule stays
])
def test_presets_for_a_start_date(preset, start, rule):
    assert webform.preset_rule(preset, start) == rule


def test_preset_rules_are_valid_recurrences(cat):
    for preset in webform.PRESETS[1:]:
        rule = webform.preset_rule(preset, "2027-03-30")
        assert ok(cat, "repete", {"regle": rule}) == rule


def test_recurrence_valid(cat):
    assert ok(cat, "repete", {"regle": "FREQ=WEEKLY;BYDAY=TU"}) == "FREQ=WEEKLY;BYDAY=TU"
    assert ok(cat, "repete", {"regle": "rrule:freq=monthly;byday=1sa"}) == "FREQ=MONTHLY;BYDAY=1SA"
    assert ok(cat, "repete", "FREQ=DAILY;COUNT=3") == "FREQ=DAILY;COUNT=3"
    assert ok(cat, "repete", {"regle": "", "jusqu": "2027-06-30"}) == ""       # no rule: no until


def test_recurrence_until(cat):
    assert ok(cat, "repete", {"regle": "FREQ=WEEKLY;BYDAY=TU", "jusqu": "2027-06-30"}) == (
        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630")
    # the until date of the form replaces one in the rule
    assert ok(cat, "repete", {"regle": "FREQ=WEEKLY;UNTIL=20270101", "jusqu": "2027-06-30"}) == (
        "FREQ=WEEKLY;UNTIL=20270630")
    assert refused(cat, "repete", {"regle": "FREQ=WEEKLY", "jusqu": "30/06/2027"}) == (
        "“30/06/2027” is not a date: write it as 2027-03-14.")


@pytest.mark.parametrize("rule", ["FREQ=MINUTELY", "FREQ=HOURLY", "FREQ=SECONDLY;COUNT=5", "BYDAY=MO",
                                  "n'importe quoi", "FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;INTERVAL=deux",
                                  "FREQ=DAILY;BYHOUR=99", "FREQ=DAILY;=x", "FREQ=DAILY;FREQ=MINUTELY"])
def test_recurrence_refused(cat, rule):
    assert refused(cat, "repete", {"regle": rule}) == REPEAT_NOT_UNDERSTOOD


@pytest.mark.parametrize("rule", ["FREQ=DAILY;INTERVAL=0", "FREQ=WEEKLY;INTERVAL=-1"])
def test_recurrence_interval_must_be_positive(cat, rule):
    # INTERVAL=0 makes dateutil loop for ever when the agenda expands the rule
    assert refused(cat, "repete", {"regle": rule}) == REPEAT_NOT_UNDERSTOOD


# -- url, email, phone ---------------------------------------------------------------------------
def test_url_valid(cat):
    assert ok(cat, "site", "www.example.org") == "https://www.example.org"
    assert ok(cat, "site", "example.org/agenda?mois=3") == "https://example.org/agenda?mois=3"
    assert ok(cat, "site", "http://repair.example.org/") == "http://repair.example.org/"
    assert ok(cat, "site", "https://example.org:8443/a#b") == "https://example.org:8443/a#b"
    assert ok(cat, "site", "") == ""


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "JavaScript:alert(document.cookie)",
                                 "ftp://example.org/fichier", "http://exa mple.org", "https://",
                                 "data:text/html,<b>x</b>", "mailto:nom@example.org", "exemple",
                                 "https://example.org/" + "a" * 2000])
def test_url_refused(cat, raw):
    assert refused(cat, "site", raw) == (
        f"“{raw[:80]}” is not a web address (for example https://example.org).")


@pytest.mark.parametrize("raw", ["www.exa mple.org", "exemple .org"])
def test_url_with_spaces_refused(cat, raw):
    message = refused(cat, "site", raw)
    assert message.endswith("is not a web address (for example https://example.org).")
    assert raw in message


def test_email(cat):
    assert ok(cat, "mel", " contact@repair-cafe.example.org ") == "contact@repair-cafe.example.org"
    assert ok(cat, "mel", "") == ""
    for raw in ["contact", "a@b", "a b@example.org", "a@example.o", "<a@example.org>", "a@@example.org",
                "x" * 250 + "@example.org"]:
        assert refused(cat, "mel", raw) == (
            f"“{raw[:80]}” is not an e-mail address (for example nom@example.org)."), raw


def test_phone(cat):
    for raw in ["02 99 71 06 04", "+33 2 99 71 06 04", "(02) 99.71.06.04", "0299710604"]:
        assert ok(cat, "tel", raw) == raw
    for raw in ["12345", "appelez-nous", "------6", "+" + "1" * 16, "02 99 71 06 04 poste 12"]:
        assert refused(cat, "tel", raw) == f"“{raw[:40]}” is not a phone number.", raw


# -- geo -------------------------------------------------------------------------------------------
LAT_RANGE = "The latitude must be a number between -90 and 90 (for example 47.6519)."
LON_RANGE = "The longitude must be a number between -180 and 180 (for example -2.0847)."


def test_geo_valid(cat):
    assert ok(cat, "ou", {"adresse": " 1 rue du  Port ", "lat": "47.6519", "lon": "-2.0847"}) == {
        "adresse": "1 rue du Port", "lat": 47.6519, "lon": -2.0847}
    assert ok(cat, "ou", {"lat": "47,65", "lon": "-2,08"}) == {"lat": 47.65, "lon": -2.08}   # decimal comma
    assert ok(cat, "ou", {"lat": "47.12345678", "lon": "-2"}) == {"lat": 47.123457, "lon": -2.0}
    assert ok(cat, "ou", {"lat": "-90", "lon": "180"}) == {"lat": -90.0, "lon": 180.0}
    assert ok(cat, "ou", {"adresse": "Place du marché, Redon"}) == {"adresse": "Place du marché, Redon"}
    assert ok(cat, "ou", "Place du marché") == {"adresse": "Place du marché"}        # a text: the address
    assert ok(cat, "ou", {"adresse": "", "lat": "", "lon": ""}) == {}


@pytest.mark.parametrize("lat, lon, message", [
    ("90.5", "0", LAT_RANGE), ("-91", "0", LAT_RANGE), ("0", "180.1", LON_RANGE), ("1", "-200", LON_RANGE),
    ("NaN", "1", LAT_RANGE), ("1", "nan", LON_RANGE), ("inf", "1", LAT_RANGE), ("1", "-Infinity", LON_RANGE),
    ("nord", "1", LAT_RANGE), ("47.6.5", "1", LAT_RANGE),
])
def test_geo_refused(cat, lat, lon, message):
    assert refused(cat, "ou", {"lat": lat, "lon": lon}) == message


@pytest.mark.parametrize("raw", [{"lat": "47.65"}, {"lon": "-2.08"}, {"adresse": "Redon", "lat": "47.65", "lon": ""}])
def test_geo_needs_both_coordinates(cat, raw):
    assert refused(cat, "ou", raw) == "Give both the latitude and the longitude, or neither."


# -- choice, multiple, tags ----------------------------------------------------------------------
def test_choice(cat):
    assert ok(cat, "commune", "Redon") == "Redon"
    assert ok(cat, "commune", "  saint-NICOLAS-de-redon ") == "Saint-Nicolas-de-Redon"   # canonical value
    assert ok(cat, "themes", ["ÉNERGIE"]) == ["Énergie"]
    assert ok(cat, "commune", "") == ""
    assert refused(cat, "commune", "Paris") == "“Paris” is not one of the choices."


def test_multiple_keeps_the_lists_order(cat):
    assert ok(cat, "themes", ["Mobilité", "Agriculture", "Culture"]) == ["Agriculture", "Culture", "Mobilité"]
    assert ok(cat, "themes", "Mobilité;culture") == ["Culture", "Mobilité"]
    assert ok(cat, "themes", ["Culture", "culture", " Culture "]) == ["Culture"]
    assert ok(cat, "themes", []) == []
    assert refused(cat, "themes", ["Agriculture", "Astrologie"]) == "“Astrologie” is not one of the choices."
    assert refused(cat, "themes", {"a": "b"}) == "A list of values was expected here."


def test_tags(cat):
    assert ok(cat, "mots", "vélo, réparation; vélo ,  , atelier") == ["vélo", "réparation", "atelier"]
    assert ok(cat, "mots", ["vélo", "vélo", "pain"]) == ["vélo", "pain"]
    assert ok(cat, "mots", "Vélo, vélo") == ["Vélo", "vélo"]      # case is kept: two tags
    assert ok(cat, "mots", "") == []
    assert ok(cat, "mots", ",".join(f"t{i}" for i in range(20))) == [f"t{i}" for i in range(20)]
    assert ok(cat, "mots", "x" * 50) == ["x" * 50]
    limit = "At most 20 tags of 50 characters each."
    assert refused(cat, "mots", ",".join(f"t{i}" for i in range(21))) == limit
    assert refused(cat, "mots", "court, " + "x" * 51) == limit


# -- attachments, links to fiches ----------------------------------------------------------------
def test_image_file_and_entry_link(cat):
    assert ok(cat, "photo", "affiche 2027.png") == "affiche 2027.png"
    assert ok(cat, "doc", "../../etc/passwd") == ".._.._etc_passwd"
    assert refused(cat, "doc", "x" * 201) == "At most 200 characters here."
    assert ok(cat, "lien", "repair-cafe") == "repair-cafe"
    assert refused(cat, "lien", "Repair Café") == "“Repair Café” is not the name of a fiche."


# -- whole entries ---------------------------------------------------------------------------------
def test_required_fields(cat):
    agenda = cat.form("agenda")
    values, errors = fields.clean_entry(agenda, {}, cat)
    assert values == {}
    assert {k: str(v) for k, v in errors.items()} == {"titre": "This field is required.",
                                                      "dates": "This field is required."}
    lieux = cat.form("lieux")
    values, errors = fields.clean_entry(lieux, {"titre": "Le Grain", "lieu": {"adresse": " "}}, cat)
    assert values == {"titre": "Le Grain"}
    assert set(errors) == {"categorie", "lieu"}
    # a required field that is typed wrong gets the format message, not "required"
    values, errors = fields.clean_entry(agenda, {"titre": "x", "dates": {"debut": "demain"}}, cat)
    assert str(errors["dates"]) == NOT_A_MOMENT.format("demain") and values == {"titre": "x"}


def test_clean_entry_gives_every_message_at_once_and_keeps_valid_values(cat):
    agenda = cat.form("agenda")
    values, errors = fields.clean_entry(agenda, {
        "titre": "Marché de Noël", "dates": {"debut": "2027-12-18T10:00", "fin": "2027-12-18T09:00"},
        "lieu": {"lat": "95", "lon": "2"}, "commune": "Redon", "themes": ["Alimentation"],
        "inscription": "javascript:alert(1)", "contact": "pas-un-mail", "tags": "noël, artisans",
        "inconnu": "ignoré"}, cat)
    assert values == {"titre": "Marché de Noël", "commune": "Redon", "themes": ["Alimentation"],
                      "tags": ["noël", "artisans"]}
    assert {k: str(v) for k, v in errors.items()} == {
        "dates": "The event ends before it starts: check the end date.",
        "lieu": LAT_RANGE,
        "inscription": "“javascript:alert(1)” is not a web address (for example https://example.org).",
        "contact": "“pas-un-mail” is not an e-mail address (for example nom@example.org)."}


def test_line_breaks_of_every_kind_round_trip(cat):
    """A lone CR (or CR CR LF) in a description must survive the TOML text of the fiche."""
    agenda = cat.form("agenda")
    values, errors = fields.clean_entry(agenda, {"titre": "x", "dates": "2027-03-14",
                                                 "description": "un\r\r\ndeux\rtrois\r\nquatre"}, cat)
    assert not errors
    assert values["description"] == "un\n\ndeux\ntrois\nquatre"
    assert entries.from_source(entries.to_source(agenda, values)) == values


# -- property: cleaning never fails, and what it accepts survives the fiche's text ----------------
_INTERESTING = st.sampled_from([
    "", " ", "2027-03-14", "2027-03-14T10:00", "2027-03-14 18:30:00", "2027-13-01", "0001-01-01",
    "9999-12-31T23:59", "Europe/Paris", "Europe", "UTC", "47,65", "-2.08", "nan", "1e400", "-0",
    "FREQ=WEEKLY;BYDAY=TU", "weekly", "monthly-weekday", "FREQ=MINUTELY", "FREQ=DAILY;INTERVAL=0",
    "Redon", "redon", "Mobilité", "ÉNERGIE", "www.example.org", "javascript:alert(1)",
    "a@example.org", "vélo, pain; vélo", '"""', "'''", "\\", "\r", "\r\r\n", "</script>", "\x00", "\ud800",
    "\u202e", "\ufeff", "[[Page]]", "x" * 301])
_TEXT = st.one_of(_INTERESTING, st.text(max_size=40), st.text(alphabet="0123456789-T:;=,. ", max_size=25))
_PARTS = st.sampled_from(["debut", "fin", "fuseau", "regle", "jusqu", "adresse", "lat", "lon", "autre"])
_RAW = st.one_of(st.none(), _TEXT, st.lists(_TEXT, max_size=4),
                 st.dictionaries(_PARTS, st.one_of(_TEXT, st.lists(_TEXT, max_size=2),
                                                   st.dictionaries(_PARTS, _TEXT, max_size=2)), max_size=4))
_AGENDA_IDS = ["titre", "dates", "recurrence", "description", "lieu", "commune", "themes", "organisateur",
               "prix", "inscription", "contact", "image", "tags", "autre"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          database=None)
@given(raw=st.dictionaries(st.sampled_from(_AGENDA_IDS), _RAW, max_size=len(_AGENDA_IDS)))
def test_property_clean_entry_never_raises_and_round_trips(cat, raw):
    agenda = cat.form("agenda")
    values, errors = fields.clean_entry(agenda, raw, cat)
    assert set(values).isdisjoint(errors)
    assert set(values) | set(errors) <= {f.id for f in agenda.fields}
    for message in errors.values():
        assert isinstance(str(message), str) and str(message)
    for value in values.values():
        assert not fields.is_empty(value)
        if isinstance(value, dict):
            assert all(not isinstance(v, float) or math.isfinite(v) for v in value.values())
    source = entries.to_source(agenda, values)
    assert entries.from_source(source) == values
    assert entries.from_source(source.replace("\r\n", "\n")) == values   # as save_page stores it
    # valid values are a fixed point: cleaning what is stored gives it back
    again, errors_again = fields.clean_entry(agenda, entries.raw_from_values(agenda, values), cat)
    assert {k: v for k, v in again.items()} == {k: v for k, v in values.items()}
    assert not (set(errors_again) - set(errors))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          database=None)
@given(start=st.dates(), preset=st.sampled_from(webform.PRESETS))
def test_property_presets_give_rules_the_field_accepts(cat, start, preset):
    rule = webform.preset_rule(preset, start.isoformat())
    assert ok(cat, "repete", {"regle": rule}) == rule
    if preset in ("weekly", "biweekly", "monthly-weekday"):
        assert rule.endswith(webform.WEEKDAYS[start.weekday()])
