"""The agenda: occurrences of recurring events, the upcoming list, the month grid, the archive,
the iCal and Atom feeds, and the {{agenda}} / {{liste}} actions, against the real app.

Fiches are created with wiki.fiches.entries.save_entry inside the `ctx` fixture, as every way in
(HTML form, API, CSV) does; pages are read through the test client as a browser would. Dates that
"upcoming" depends on are relative to today (in Europe/Paris, as the agenda counts days).
"""
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from dateutil.rrule import rrulestr
from icalendar import Calendar

from tests_helpers import make_page
from wiki.content import pages as content
from wiki.fiches import agenda, entries, recurrence
from wiki.instance import init_instance

PARIS = ZoneInfo("Europe/Paris")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def instance_dir(tmp_path):
    """The test instance, with communes of its own (the built-in list is empty)."""
    init_instance(tmp_path / "territoire", "Territoire de test", "wiki.test")
    (tmp_path / "territoire" / "lists.toml").write_text(
        '[communes]\nlabel = "Communes"\nvalues = ["Redon", "Lormes", "Guémené-Penfao"]\n', encoding="utf-8")
    return tmp_path / "territoire"


def add(title, start, end="", rule="", form="agenda", **more):
    """Save a fiche of `form` (inside `ctx`); its page name."""
    raw = {"titre": title, "dates": {"debut": str(start), "fin": str(end), "fuseau": more.pop("zone", "")},
           "recurrence": {"regle": rule, "jusqu": more.pop("until", "")}, **more}
    return entries.save_entry(entries.catalogue().form(form), raw).page.name


def today():
    return agenda.today()


def html_of(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:500])
    return r.get_data(as_text=True)


def main_of(html):
    return html.split('<main id="main">', 1)[1].split("</main>", 1)[0]


def day_sections(html):
    """[(day, [titles])] of an agenda list page, in page order."""
    out = []
    for m in re.finditer(r'<section class="agenda-day"[^>]*aria-labelledby="day-([\d-]+)">(.*?)</section>',
                         html, re.S):
        out.append((m.group(1), re.findall(r'class="event-title"[^>]*>([^<]*)<', m.group(2))))
    return out


class _Cells(HTMLParser):
    """Titles of the events in each cell of the month table, by the cell's day number order."""

    def __init__(self):
        super().__init__()
        self.cells, self.in_td, self.in_events, self.classes, self.heads = [], False, False, [], []
        self.in_th = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "td":
            self.in_td = True
            self.cells.append({"class": attrs.get("class", ""), "current": attrs.get("aria-current"),
                               "titles": [], "text": ""})
        elif tag == "th":
            self.in_th = True
        elif tag == "abbr" and self.in_th:
            self.heads.append(attrs.get("title"))
        elif tag == "ul" and self.in_td and "cell-events" in attrs.get("class", ""):
            self.in_events = True

    def handle_endtag(self, tag):
        if tag == "td":
            self.in_td = self.in_events = False
        elif tag == "ul":
            self.in_events = False
        elif tag == "th":
            self.in_th = False

    def handle_data(self, data):
        if self.in_events and data.strip():
            self.cells[-1]["titles"].append(data.strip())
        elif self.in_td:
            self.cells[-1]["text"] += data


def month_cells(html):
    table = re.search(r'<table class="month">.*?</table>', html, re.S).group(0)
    parser = _Cells()
    parser.feed(table)
    return parser


# --------------------------------------------------------------------------- occurrences (pure)

def _ev(start, end=None, rule="", zone="Europe/Paris"):
    return agenda.event_of({"debut": start, "fin": end or start, "fuseau": zone}, rule)


def test_weekly_market_stays_at_18h_local_across_the_dst_change():
    event = _ev("2027-03-16T18:00", "2027-03-16T20:00", "FREQ=WEEKLY;BYDAY=TU")
    found = agenda.expand(None, event, date(2027, 3, 1), date(2027, 4, 14))
    assert [o.start for o in found] == [datetime(2027, 3, d, 18) for d in (16, 23, 30)] + \
        [datetime(2027, 4, 6, 18), datetime(2027, 4, 13, 18)]
    assert all(o.end - o.start == timedelta(hours=2) for o in found)
    # 28 March 2027 is the change to summer time: same local hour, one hour less in UTC
    before, after = found[1], found[2]
    assert before.iso_start == "2027-03-23T18:00+01:00" and after.iso_start == "2027-03-30T18:00+02:00"
    assert before.starts_utc.hour == 17 and after.starts_utc.hour == 16


def test_monthly_first_saturday_and_until_includes_its_last_day():
    event = _ev("2027-01-02T10:00", "2027-01-02T12:00", "FREQ=MONTHLY;BYDAY=1SA;UNTIL=20270605")
    found = agenda.expand(None, event, date(2027, 1, 1), date(2028, 1, 1))
    assert [o.first_day for o in found] == [date(2027, 1, 2), date(2027, 2, 6), date(2027, 3, 6),
                                           date(2027, 4, 3), date(2027, 5, 1), date(2027, 6, 5)]
    # a day-only UNTIL keeps that day's 18:00 market (dateutil alone would stop at 00:00)
    market = _ev("2027-03-02T18:00", "2027-03-02T19:00", "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330")
    days = [o.first_day for o in agenda.expand(None, market, date(2027, 3, 1), date(2027, 5, 1))]
    assert days[-1] == date(2027, 3, 30) and len(days) == 5


def test_the_first_date_counts_even_when_it_does_not_fit_the_rule():
    event = _ev("2027-03-03T18:00", rule="FREQ=WEEKLY;BYDAY=TU")          # a Wednesday
    days = [o.first_day for o in agenda.expand(None, event, date(2027, 3, 1), date(2027, 3, 20))]
    assert days == [date(2027, 3, 3), date(2027, 3, 9), date(2027, 3, 16)]


@pytest.mark.parametrize("rule", ["FREQ=DAILY", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "FREQ=MONTHLY;BYDAY=-1FR",
                                  "FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=YEARLY", "FREQ=WEEKLY;INTERVAL=3",
                                  "FREQ=MONTHLY;INTERVAL=2;BYDAY=2SA", "FREQ=DAILY;INTERVAL=10"])
def test_old_recurring_events_expand_like_the_whole_rule(rule):
    """Events repeating since 1995 skip ahead instead of walking every day: same dates as dateutil."""
    start = datetime(1995, 5, 9, 18, 30)
    event = _ev(start.isoformat(timespec="minutes"), rule=rule)
    first, last = date(2027, 3, 1), date(2027, 7, 1)
    got = [o.start for o in agenda.expand(None, event, first, last)]
    expected = list(rrulestr(rule, dtstart=start).between(datetime(2027, 3, 1), datetime(2027, 7, 1), inc=True))
    assert got == expected and got


def test_all_day_and_multi_day_events():
    fete = _ev("2027-03-14", "2027-03-16")
    assert fete.all_day
    (o,) = agenda.expand("fete", fete, date(2027, 3, 1), date(2027, 4, 1))
    assert o.multi_day and o.first_day == date(2027, 3, 14) and o.last_day == date(2027, 3, 16)
    first, last = date(2027, 3, 15), date(2027, 3, 20)           # it started before the window
    assert [d for d, _ in agenda.by_day([o], first, last, each_day=True)] == [date(2027, 3, 15), date(2027, 3, 16)]
    assert [d for d, _ in agenda.by_day([o], first, last)] == [date(2027, 3, 15)]
    assert agenda.expand("fete", fete, date(2027, 3, 17), date(2027, 3, 20)) == []
    evening = _ev("2027-03-14T20:00", "2027-03-15T00:00")        # until midnight: one day
    (o,) = agenda.expand("soirée", evening, date(2027, 3, 1), date(2027, 4, 1))
    assert not o.multi_day and list(o.days(date(2027, 3, 1), date(2027, 4, 1))) == [date(2027, 3, 14)]


def test_events_in_another_zone_keep_their_own_clock():
    event = _ev("2027-03-30T18:00", zone="America/Cayenne")
    (o,) = agenda.expand(None, event, date(2027, 3, 30), date(2027, 3, 31))
    assert o.iso_start == "2027-03-30T18:00-03:00"


def test_pages_end_on_whole_days():
    event = _ev("2027-03-01T09:00", rule="FREQ=DAILY")
    items = [("a", event), ("b", event), ("c", event)]
    shown, truncated = agenda.occurrences(items, date(2027, 3, 1), date(2027, 4, 1), limit=10)
    assert truncated and len(shown) == 10
    kept, start = agenda.cut_at_day(shown, truncated, date(2027, 3, 1), date(2027, 4, 1))
    assert len(kept) == 9 and start == date(2027, 3, 4)          # 3 a day: the 4th day comes next


@pytest.mark.parametrize("text", ["2027-13", "2027-00", "abc", "99999-01", "0000-01", "2027-3-1", "", "1899-12",
                                  "2201-01", "２０２７-03"])
def test_bad_months_are_refused(text):
    assert agenda.parse_month(text) is None


def test_months_and_days_parse():
    assert agenda.parse_month("2027-03") == (2027, 3)
    assert agenda.shift_month(2027, 12, 1) == (2028, 1) and agenda.shift_month(2027, 1, -1) == (2026, 12)
    assert agenda.shift_month(agenda.MAX_YEAR, 12, 1) is None
    assert agenda.parse_day("2027-02-30") is None and agenda.parse_day("2027-02-28") == date(2027, 2, 28)
    weeks = agenda.month_weeks(2027, 3)
    assert weeks[0][0] == date(2027, 3, 1) and weeks[0][0].weekday() == 0      # 1 March 2027 is a Monday
    assert weeks[-1][-1] == date(2027, 4, 4)


# --------------------------------------------------------------------------- the agenda pages

def test_upcoming_list_expands_recurring_events_and_groups_by_day(ctx, client):
    t = today()
    market = add("Marché du mardi", f"{t - timedelta(days=14)}T08:00", f"{t - timedelta(days=14)}T12:30",
                 "FREQ=WEEKLY")
    add("Fête du cidre", t + timedelta(days=3), t + timedelta(days=5))
    add("Vieille réunion", t - timedelta(days=20))
    html = main_of(html_of(client, "/fiches/agenda/agenda"))
    days = day_sections(html)
    market_days = [d for d, titles in days if "Marché du mardi" in titles]
    assert len(market_days) == 13                        # 90 days: 13 weekly markets
    assert market_days[0] == t.isoformat()               # today's market (same weekday)
    assert [d for d, titles in days if "Fête du cidre" in titles] == [(t + timedelta(days=3)).isoformat()]
    assert "Vieille réunion" not in html
    assert [d for d, _ in days] == sorted(d for d, _ in days)
    assert f"/wiki/{market}" in html
    assert 'datetime="%sT08:00' % t.isoformat() in html


def test_the_list_page_links_the_agenda_and_the_feeds(ctx, client):
    add("Atelier", today() + timedelta(days=1))
    html = html_of(client, "/fiches/agenda")
    assert 'href="/fiches/agenda/agenda"' in html
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*'
                     r'href="/fiches/agenda/feed.atom"', html)
    assert re.search(r'<link rel="alternate" type="text/calendar"[^>]*href="/api/forms/agenda/entries.ics"', html)
    assert "/fiches/initiatives/agenda" not in html_of(client, "/fiches/initiatives")    # no dates
    r = client.get("/agenda?themes=Culture")
    assert r.status_code == 302 and r.headers["Location"].endswith("/fiches/agenda/agenda?themes=Culture")


def test_a_full_window_continues_on_a_later_page(ctx, client):
    t = today()
    for title in ("Yoga", "Piscine", "Chorale"):
        add(title, f"{t}T09:00", rule="FREQ=DAILY")
    html = main_of(html_of(client, "/fiches/agenda/agenda"))
    first_page = day_sections(html)
    shown = sum(len(titles) for _d, titles in first_page)
    assert 190 < shown <= 200 and all(len(titles) == 3 for _d, titles in first_page)
    later = re.search(r'href="([^"]*depuis=([\d-]+)[^"]*)" rel="next"', html)
    last_day = date.fromisoformat(first_page[-1][0])
    assert later and date.fromisoformat(later.group(2)) == last_day + timedelta(days=1)
    second = day_sections(main_of(html_of(client, later.group(1).replace("&amp;", "&"))))
    assert second[0][0] == later.group(2) and len(second[0][1]) == 3
    assert not {d for d, _ in first_page} & {d for d, _ in second}


def test_the_later_link_jumps_over_empty_months(ctx, client):
    far = today() + timedelta(days=200)
    add("Foire d'automne", far)
    html = main_of(html_of(client, "/fiches/agenda/agenda"))
    assert "Foire" not in html
    later = re.search(r'href="([^"]*depuis=([\d-]+))" rel="next"', html)
    assert later.group(2) == far.isoformat()
    assert "Foire d&#39;automne" in html_of(client, later.group(1))


def test_month_grid_cells_navigation_and_today(ctx, client):
    add("Fête de la musique", "2027-03-14", "2027-03-16", themes=["Culture"])
    add("Conseil", "2027-03-03T20:00", "2027-03-03T22:00", themes=["Participation citoyenne"])
    html = main_of(html_of(client, "/fiches/agenda/agenda?mois=2027-03"))
    cells = month_cells(html)
    assert cells.heads[0].lower() in ("lundi", "monday") and len(cells.heads) == 7
    assert len(cells.cells) % 7 == 0 and len(cells.cells) == 35        # 1 March 2027 is a Monday
    by_day = {i + 1: c for i, c in enumerate(cells.cells[:31])}
    for day in (14, 15, 16):
        assert "Fête de la musique" in by_day[day]["titles"], day
    assert "Fête de la musique" not in by_day[13]["titles"] + by_day[17]["titles"]
    assert by_day[3]["titles"] == ["20:00", "Conseil"]
    assert "other-month" in cells.cells[-1]["class"]                     # 4 April
    assert 'href="/fiches/agenda/agenda?mois=2027-02" rel="prev"' in html
    assert 'href="/fiches/agenda/agenda?mois=2027-04" rel="next"' in html
    assert 'id="jour-2027-03-15"' in html and 'href="#jour-2027-03-15"' in html   # the day list (phones)
    t = today()
    if (t.year, t.month) != (2027, 3):
        assert "aria-current" not in re.search(r"<table.*?</table>", html, re.S).group(0)
    now = main_of(html_of(client, f"/fiches/agenda/agenda?mois={t:%Y-%m}"))
    current = [c for c in month_cells(now).cells if c["current"] == "date"]
    assert len(current) == 1 and "today" in current[0]["class"] and str(t.day) in current[0]["text"]


def test_month_grid_keeps_the_filters(ctx, client):
    add("Fête de la musique", "2027-03-14", themes=["Culture"], commune="Redon")
    add("Covoiturage", "2027-03-15", themes=["Mobilité"], commune="Lormes")
    html = main_of(html_of(client, "/fiches/agenda/agenda?mois=2027-03&themes=Mobilit%C3%A9"))
    assert "Covoiturage" in html and "Fête de la musique" not in html
    nav = re.search(r'<nav class="month-nav".*?</nav>', html, re.S).group(0)
    links = re.findall(r'href="([^"]+)"', nav)
    assert links and all(parse_qs(urlsplit(unquote(link.replace("&amp;", "&"))).query)["themes"] == ["Mobilité"]
                         for link in links)
    ics = re.search(r'<code class="feed-url">([^<]+)</code>', html).group(1)
    assert "/api/forms/agenda/entries.ics?themes=Mobilit%C3%A9" in ics
    assert 'href="webcal://' in html
    html = main_of(html_of(client, "/fiches/agenda/agenda?mois=2027-03&commune=Redon"))
    assert "Fête de la musique" in html and "Covoiturage" not in html


def test_filters_by_theme_commune_and_words_on_the_upcoming_list(ctx, client):
    t = today() + timedelta(days=2)
    add("Atelier vélo", t, themes=["Mobilité"], commune="Redon")
    add("Bal folk", t, themes=["Culture"], commune="Lormes")
    add("Repair café", t, themes=["Mobilité", "Économie"], commune="Lormes")
    titles = lambda url: {title for _d, ts in day_sections(html_of(client, url)) for title in ts}  # noqa: E731
    assert titles("/fiches/agenda/agenda?themes=Mobilit%C3%A9") == {"Atelier vélo", "Repair café"}
    assert titles("/fiches/agenda/agenda?themes=Mobilit%C3%A9&commune=Lormes") == {"Repair café"}
    assert titles("/fiches/agenda/agenda?themes=Culture&themes=%C3%89conomie") == {"Bal folk", "Repair café"}
    assert titles("/fiches/agenda/agenda?q=velo") == {"Atelier vélo"}
    html = html_of(client, "/fiches/agenda/agenda?commune=Lormes")
    assert 'href="/fiches/agenda/agenda?mois=' in html and "commune=Lormes" in re.search(
        r'<nav class="tabs agenda-tabs".*?</nav>', html, re.S).group(0)
    assert "<option selected>Lormes</option>" in html


def test_archive_lists_past_events_newest_first(ctx, client):
    t = today()
    add("Il y a dix jours", t - timedelta(days=10))
    add("Il y a quarante jours", f"{t - timedelta(days=40)}T14:00", f"{t - timedelta(days=40)}T16:00")
    add("Demain", t + timedelta(days=1))
    add("Club du lundi", f"{t - timedelta(days=21)}T18:00", rule="FREQ=WEEKLY", until=str(t - timedelta(days=7)))
    html = main_of(html_of(client, "/fiches/agenda/agenda/archives"))
    days = day_sections(html)
    assert [d for d, _ in days] == sorted((d for d, _ in days), reverse=True)
    flat = [title for _d, titles in days for title in titles]
    assert flat.index("Il y a dix jours") < flat.index("Il y a quarante jours")
    assert flat.count("Club du lundi") == 3 and "Demain" not in flat
    assert main_of(html_of(client, "/fiches/agenda/agenda?passes=1")) == html


def test_archive_earlier_link_reaches_old_events(ctx, client):
    old = today() - timedelta(days=400)
    add("Ancienne foire", old)
    html = main_of(html_of(client, "/fiches/agenda/agenda/archives"))
    assert "Ancienne foire" not in html
    earlier = re.search(r'href="([^"]*avant=([\d-]+))" rel="next"', html)
    assert earlier.group(2) == (old + timedelta(days=1)).isoformat()
    assert "Ancienne foire" in html_of(client, earlier.group(1))


@pytest.mark.parametrize("query", ["mois=2027-13", "mois=abc", "mois=99999-01", "mois=2027-00", "mois=",
                                   "mois=-2027-01", "depuis=abc", "depuis=2027-02-30", "depuis=99999-01-01",
                                   "passes=1&avant=2027-13-01", "passes=1&avant=x", "mois=%00", "depuis=%FF%FE"])
def test_bad_input_is_a_400_not_a_500(ctx, client, query):
    add("Quelque chose", today() + timedelta(days=1))
    r = client.get(f"/fiches/agenda/agenda?{query}")
    assert r.status_code == 400
    assert "<main" in r.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/fiches/agenda/agenda?mois=2200-12", "/fiches/agenda/agenda?mois=1900-01",
                                 "/fiches/agenda/agenda?depuis=2200-12-31",
                                 "/fiches/agenda/agenda?passes=1&avant=1900-01-01",
                                 "/fiches/agenda/agenda?page=99999999999999999999",
                                 "/fiches/agenda/agenda?themes=",
                                 "/fiches/agenda/agenda/archives?avant=2200-12-31"])
def test_edge_windows_are_fine(ctx, client, url):
    add("Pour toujours", "1900-01-01", "9998-12-31")
    add("Chaque jour depuis 1900", "1900-01-01T08:00", rule="FREQ=DAILY")
    html = html_of(client, url)
    if "mois=2200-12" in url:
        assert 'rel="next"' not in main_of(html) and "2200-11" in html


def test_unknown_or_undated_forms_have_no_agenda(client):
    assert client.get("/fiches/inconnu/agenda").status_code == 404
    assert client.get("/fiches/initiatives/agenda").status_code == 404
    assert client.get("/api/forms/initiatives/entries.ics").status_code == 404
    assert client.get("/api/forms/inconnu/entries.ics").get_json()["error"]


def test_hostile_titles_are_escaped_everywhere(ctx, client):
    t = today() + timedelta(days=1)
    add('<script>alert("x")</script> & <b>gras</b>', t, themes=["Culture"])
    make_page(client, "accueil", '# Accueil\n\n{{agenda nb="3"}}\n')
    for url in ("/fiches/agenda/agenda", f"/fiches/agenda/agenda?mois={t:%Y-%m}", "/wiki/accueil"):
        html = html_of(client, url)
        assert "<script>alert" not in html and "<b>gras" not in html
        assert "&lt;script&gt;" in html
    for url in ("/fiches/agenda/agenda?themes=%3Cscript%3E&q=%22%3E%3Cscript%3Ex", "/fiches/agenda/agenda?"
                "mois=2027-03&commune=%22%3E%3Cscript%3E"):
        r = client.get(url)
        assert r.status_code == 200 and b"<script>" not in r.data.replace(b'<script src=', b'')
    _raw, cal = _ical(client, "/api/forms/agenda/entries.ics?q=%3Cscript%3E")     # plain text there
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ['<script>alert("x")</script> & <b>gras</b>']


# --------------------------------------------------------------------------- iCal

def _ical(client, url="/api/forms/agenda/entries.ics"):
    r = client.get(url)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return r.data, Calendar.from_ical(r.data)


def _events(cal):
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_ical_feed_has_zones_rules_dates_and_stable_uids(ctx, client):
    market = add("Marché de Redon", "2027-03-23T18:00", "2027-03-23T20:00", "FREQ=WEEKLY;BYDAY=TU",
                 until="2027-06-29", themes=["Alimentation", "Économie"], commune="Redon",
                 lieu={"adresse": "Place du Parlement", "lat": "47.6519", "lon": "-2.0847"},
                 contact="secret@example.org", description="Producteurs locaux.")
    add("Fête de la Saint-Jean", "2027-06-24", "2027-06-26", themes=["Culture"])
    raw, cal = _ical(client, "/api/forms/agenda/entries.ics?from=2027-01-01")
    events = _events(cal)
    ev = events["Marché de Redon"]
    assert ev["dtstart"].params["TZID"] == "Europe/Paris"
    assert ev["dtstart"].dt == datetime(2027, 3, 23, 18, tzinfo=PARIS)
    assert ev["dtend"].dt == datetime(2027, 3, 23, 20, tzinfo=PARIS)
    assert b"DTSTART;TZID=Europe/Paris:20270323T180000" in raw
    assert any(tz["tzid"] == "Europe/Paris" for tz in cal.walk("VTIMEZONE"))
    rule = ev["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"]
    until = rule["UNTIL"][0]
    assert until.tzinfo is not None and until.astimezone(PARIS).date() == date(2027, 6, 29)
    # the calendar app's view of it: 18:00 local before and after the change to summer time
    starts = list(rrulestr(ev["rrule"].to_ical().decode(), dtstart=ev["dtstart"].dt))
    assert [s.astimezone(PARIS).hour for s in starts] == [18] * len(starts)
    assert starts[-1].astimezone(PARIS).date() == date(2027, 6, 29)
    assert str(ev["uid"]) == f"{market}@wiki.test"
    assert [str(c) for c in ev["categories"].cats] == ["Alimentation", "Économie"]
    assert ev["geo"].latitude == pytest.approx(47.6519) and ev["geo"].longitude == pytest.approx(-2.0847)
    assert "Place du Parlement" in str(ev["location"]) and "Redon" in str(ev["location"])
    assert str(ev["url"]).endswith(f"/wiki/{market}")
    assert "Producteurs locaux." in str(ev["description"]) and str(ev["url"]) in str(ev["description"])
    assert b"secret@example.org" not in raw
    assert ev.get("dtstamp") is not None
    fete = events["Fête de la Saint-Jean"]
    assert b"DTSTART;VALUE=DATE:20270624" in raw and b"DTEND;VALUE=DATE:20270627" in raw
    assert fete["dtstart"].dt == date(2027, 6, 24) and fete["dtend"].dt == date(2027, 6, 27)   # exclusive
    _raw, again = _ical(client, "/api/forms/agenda/entries.ics?from=2027-01-01")
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == {str(e["uid"]) for e in cal.walk("VEVENT")}


def test_ical_all_day_recurring_event_keeps_a_date_until(ctx, client):
    add("Vide-grenier", "2027-05-01", rule="FREQ=YEARLY", until="2030-05-01")
    raw, cal = _ical(client, "/api/forms/agenda/entries.ics?from=2027-01-01")
    ev = _events(cal)["Vide-grenier"]
    assert ev["rrule"]["UNTIL"] == [date(2030, 5, 1)]
    assert re.search(rb"RRULE:[^\r]*UNTIL=20300501(;|\r)", raw)


def test_ical_filters_by_theme_and_leaves_out_pending_and_old_events(ctx, client):
    t = today()
    add("Atelier vélo", t + timedelta(days=3), themes=["Mobilité"])
    add("Concert", t + timedelta(days=3), themes=["Culture"])
    add("Il y a deux ans", t - timedelta(days=730), themes=["Mobilité"])
    form = entries.catalogue().form("agenda")
    entries.save_entry(form, {"titre": "En attente", "dates": {"debut": str(t)}}, status="pending")
    _raw, cal = _ical(client, "/api/forms/agenda/entries.ics?themes=Mobilit%C3%A9")
    assert set(_events(cal)) == {"Atelier vélo"}
    _raw, cal = _ical(client)
    assert set(_events(cal)) == {"Atelier vélo", "Concert"}
    _raw, cal = _ical(client, f"/api/forms/agenda/entries.ics?from={t - timedelta(days=800)}")
    assert "Il y a deux ans" in _events(cal)
    r = client.get("/api/forms/agenda/entries.ics?from=abc")
    assert r.status_code == 400 and r.get_json()["error"]


def test_ical_text_is_escaped(ctx, client):
    add('Réunion <script>alert(1)</script>; ordre, du jour', today() + timedelta(days=1),
        description="Ligne un\nLigne deux, avec une virgule; et un point-virgule\\fin",
        lieu={"adresse": "Salle 2, rue du Four; Redon"}, organisateur="A, B; C")
    raw, cal = _ical(client)
    text = raw.decode()
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:Réunion <script>alert(1)</script>\\; ordre\\, du jour\r\n" in unfolded
    assert "Ligne un\\nLigne deux\\, avec une virgule\\; et un point-virgule\\\\fin" in unfolded
    assert "LOCATION:Salle 2\\, rue du Four\\; Redon" in unfolded
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    ev = next(iter(cal.walk("VEVENT")))
    assert str(ev["summary"]) == "Réunion <script>alert(1)</script>; ordre, du jour"
    assert str(ev["description"]).startswith("Ligne un\nLigne deux, avec une virgule; et un point-virgule\\fin")
    assert "A, B; C" in str(ev["description"])


def test_ical_is_described_in_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/forms/{form_id}/entries.ics"]["get"]
    assert "text/calendar" in op["responses"]["200"]["content"]


# --------------------------------------------------------------------------- Atom

def test_atom_feed_of_a_form(ctx, client):
    first = add("Première fiche", today() + timedelta(days=1), contact="prive@example.org", themes=["Culture"])
    second = add("Seconde <fiche> & co", today() + timedelta(days=2), description="Texte *libre*.")
    r = client.get("/fiches/agenda/feed.atom")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    assert b"prive@example.org" not in r.data
    root = ET.fromstring(r.data)
    assert root.tag == f"{ATOM}feed"
    assert "Agenda" in root.find(f"{ATOM}title").text
    items = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in items]
    assert titles == ["Seconde <fiche> & co", "Première fiche"]                  # newest first
    links = [e.find(f"{ATOM}link").get("href") for e in items]
    assert links[0].endswith(f"/wiki/{second}") and links[1].endswith(f"/wiki/{first}")
    content = items[0].find(f"{ATOM}content")
    assert content.get("type") == "html" and "<em>libre</em>" in content.text
    assert [c.get("term") for c in items[1].findall(f"{ATOM}category")] == ["Culture"]
    assert all(e.find(f"{ATOM}updated").text for e in items)
    html = html_of(client, "/fiches/initiatives")
    assert 'href="/fiches/initiatives/feed.atom"' in html
    assert client.get("/fiches/inconnu/feed.atom").status_code == 404


# --------------------------------------------------------------------------- actions in pages

def test_agenda_action_in_a_page(ctx, client):
    t = today()
    add("Marché", f"{t}T08:00", f"{t}T12:00", "FREQ=WEEKLY", themes=["Alimentation"])
    add("Covoiturage", t + timedelta(days=2), themes=["Mobilité"])
    content.save_page("accueil", '# Accueil\n\n{{agenda nb="3"}}\n')
    html = main_of(html_of(client, "/wiki/accueil"))
    block = re.search(r'<div class="action-agenda">.*?</div>', html, re.S).group(0)
    assert block.count('<li class="event') == 3
    assert block.count("Marché") == 2 and "Covoiturage" in block
    assert 'href="/fiches/agenda/agenda"' in block
    make_page(client, "mobilite", '# Mobilité\n\n{{events theme="mobilité" nb="5"}}\n')
    block = main_of(html_of(client, "/wiki/mobilite"))
    assert "Covoiturage" in block and "Marché" not in block
    assert 'href="/fiches/agenda/agenda?themes=Mobilit%C3%A9"' in block


def test_list_action_in_a_page(ctx, client):
    form = entries.catalogue().form("initiatives")
    for title, themes, commune in (("Vélo partagé", ["Mobilité"], "Redon"), ("Jardin", ["Alimentation"], "Redon"),
                                   ("Autostop", ["Mobilité"], "Lormes")):
        entries.save_entry(form, {"titre": title, "themes": themes, "commune": commune})
    content.save_page("mobilite", '# Mobilité\n\n{{liste form="initiatives" theme="Mobilité"}}\n\n'
                                  '{{list form="initiatives" commune="Redon" layout="table" nb="1"}}\n')
    html = main_of(html_of(client, "/wiki/mobilite"))
    cards, table = re.findall(r'<div class="action-liste">.*?</div>', html, re.S)
    assert "Vélo partagé" in cards and "Autostop" in cards and "Jardin" not in cards
    assert 'href="/fiches/initiatives?themes=Mobilit%C3%A9"' in cards
    assert '<table class="fiches">' in table and table.count("<tr>") == 2       # head + 1 row (nb=1)
    assert "2 fiches" in table and "layout=table" in table and "commune=Redon" in table


@pytest.mark.parametrize("source", ['{{liste}}', '{{liste form="inconnu"}}', '{{agenda form="initiatives"}}',
                                    '{{liste form="initiatives" layout="grille"}}', '{{agenda couleur="bleu"}}',
                                    '{{agenda nb="beaucoup"}}', '{{liste form="initiatives" sort="hasard"}}'])
def test_bad_action_parameters_say_why(ctx, client, source):
    content.save_page("essai", f"# Essai\n\n{source}\n")
    html = html_of(client, "/wiki/essai")
    assert 'class="action-error"' in html


def test_cached_page_views_expire_with_the_day(ctx, client):
    content.save_page("accueil", '# Accueil\n\n{{agenda}}\n')
    etag = client.get("/wiki/accueil").headers["ETag"]
    assert etag.strip('"').endswith(datetime.now(PARIS).date().isoformat())


# -- the shortcuts for plain weekly and monthly rules give dateutil's dates --------------------
def _until_part(start, until_days, day_only):
    if until_days is None:
        return ""
    until = start + timedelta(days=until_days)
    return ";UNTIL=" + (until.strftime("%Y%m%d") if day_only else until.strftime("%Y%m%dT%H%M%S"))


def _same_dates(rule, start, n=60):
    ours = recurrence.fast_dates(rule, start)
    assert ours is not None, rule
    theirs = rrulestr(rule, dtstart=start)
    assert [d for d, _ in zip(ours, range(n))] == [d for d, _ in zip(theirs, range(n))], rule


moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0))


@settings(max_examples=300, deadline=None)
@given(start=moments, freq=st.sampled_from(["DAILY", "WEEKLY"]), interval=st.integers(1, 5),
       until_days=st.one_of(st.none(), st.integers(0, 400)), day_only=st.booleans(), byday=st.booleans())
def test_plain_daily_and_weekly_rules_follow_dateutil(start, freq, interval, until_days, day_only, byday):
    rule = f"FREQ={freq};INTERVAL={interval}" + _until_part(start, until_days, day_only)
    if byday and freq == "WEEKLY":
        rule += ";BYDAY=" + recurrence._WEEKDAYS[start.weekday()]
    _same_dates(rule, start)


@settings(max_examples=300, deadline=None)
@given(start=moments, n=st.sampled_from([1, 2, 3, 4, 5, -1, -2, -5]), weekday=st.sampled_from(recurrence._WEEKDAYS),
       interval=st.integers(1, 4), until_days=st.one_of(st.none(), st.integers(0, 900)), day_only=st.booleans(),
       plus=st.booleans())
def test_nth_weekday_of_the_month_follows_dateutil(start, n, weekday, interval, until_days, day_only, plus):
    sign = "+" if plus and n > 0 else ""
    _same_dates(f"FREQ=MONTHLY;INTERVAL={interval};BYDAY={sign}{n}{weekday}" + _until_part(start, until_days, day_only),
                start, n=40)


def test_other_rules_are_left_to_dateutil():
    start = datetime(2027, 3, 6, 9, 0)             # a Saturday
    for rule in ["FREQ=WEEKLY;BYDAY=SA,SU", "FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYDAY=SA", "FREQ=MONTHLY",
                 "FREQ=MONTHLY;BYDAY=1SA,3SA", "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=WEEKLY;COUNT=3",
                 "FREQ=DAILY;UNTIL=20270401T000000Z", "FREQ=WEEKLY;INTERVAL=0", "FREQ=WEEKLY;INTERVAL=x",
                 "freq=weekly", "FREQ=YEARLY"]:
        assert recurrence.fast_dates(rule, start) is None, rule
