"""Statistics without tracking: page views counted per page and day on the server (cached and
rendered views alike), no cookie, no address kept, bots and HEAD and errors left out; the
upsert that adds each process's sums; the dashboard for moderators and admins, its SVG charts
and CSV exports with people's text escaped."""
import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
import tomli_w

import conftest
from conftest import sign_in
from wiki import create_app
from wiki.accounts.service import create_account
from wiki.content.pages import save_page
from wiki.db import database
from wiki.instance import InstanceError, load_instance
from wiki.models import Provenance, Revision
from wiki.stats import counter_of
from wiki.stats.counter import ViewCounter, add_views
from wiki.stats.hook import today
from wiki.stats.models import PageViewDay

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
ADDRESS = "203.0.113.77"
SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def view(client, path, ua=BROWSER, method="GET", **headers):
    """A request as a browser makes it; the response is closed, as a WSGI server does (which is
    when a counter due to write does so)."""
    r = client.open(path, method=method, headers={"User-Agent": ua, **headers},
                    environ_base={"REMOTE_ADDR": ADDRESS})
    r.close()
    return r


def stored(app):
    """{(day, page): views} in the table, after this process's counter wrote its counts."""
    counter = counter_of(app)
    if counter is not None:
        counter.flush()
    with app.app_context():
        return {(row.day, row.page): row.views for row in PageViewDay.select()}


HOSTILE = '<script>alert("x")</script> & =HYPERLINK("http://evil")'
FORMULA = '=HYPERLINK("http://evil","x")'


@pytest.fixture(autouse=True)
def communes(instance_dir):
    """The territory's communes, two of them hostile text (an admin's typo, a neighbour's list)."""
    (instance_dir / "lists.toml").write_text(tomli_w.dumps(
        {"communes": {"label": "Communes", "values": ["Redon", HOSTILE, FORMULA]}}), encoding="utf-8")


@pytest.fixture
def pages(app):
    with app.test_request_context():       # a context of its own: the client's requests have theirs
        for name in ("accueil", "haies", "mares"):
            save_page(name, f"# {name}\n\nUne page sur les {name}.", author="Camille")
    database.close()


def account(app, username, role):
    with app.test_request_context():
        create_account(username, conftest.ROBOT_PASSWORD, role=role)


# -- counting ----------------------------------------------------------------------------------
def test_views_are_counted_per_page_and_day_cached_and_rendered(app, client, pages):
    cache = app.extensions["bocage.viewcache"]
    first = view(client, "/wiki/haies")
    assert first.status_code == 200 and cache._entries          # rendered, then kept
    second = view(client, "/wiki/haies", ua=PHONE)               # served from the page-view cache
    assert second.status_code == 200 and second.headers["ETag"] == first.headers["ETag"]
    revalidated = view(client, "/wiki/haies", **{"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304                        # the browser's own copy: a view too
    view(client, "/")                                            # the home page is "accueil"
    view(client, "/wiki/mares?lang=en")                          # a query string: rendered, not cached
    account(app, "camille", "editor")
    signed = app.test_client()
    sign_in(signed, "camille", conftest.ROBOT_PASSWORD)
    view(signed, "/wiki/mares")                                  # signed in: never from the cache
    assert stored(app) == {(today(), "haies"): 3, (today(), "accueil"): 1, (today(), "mares"): 2}
    view(client, "/wiki/haies")
    assert stored(app)[(today(), "haies")] == 4                  # added to the same row


def test_a_fiche_view_is_counted_under_its_name(app, client, add):
    name = add("initiatives", titre="Le jardin partagé", commune="Redon")
    assert view(client, f"/wiki/{name}").status_code == 200
    assert stored(app) == {(today(), name): 1}


def test_counting_sets_no_cookie_and_keeps_no_address(app, client, pages):
    for path in ("/", "/wiki/haies", "/wiki/haies", "/wiki/mares"):
        r = view(client, path)
        assert r.status_code == 200
        assert "Set-Cookie" not in r.headers, r.headers.get("Set-Cookie")
    assert sum(stored(app).values()) == 4
    with app.app_context():
        for table in database.get_tables():
            for row in database.execute_sql(f'SELECT * FROM "{table}"').fetchall():
                text = " ".join(map(str, row))
                assert ADDRESS not in text and "Firefox" not in text, (table, text[:200])


@pytest.mark.parametrize("ua", [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1", "Mastodon/4.2.0 (http.rb/5.1.1; +https://mastodon.social/)",
    "curl/8.5.0", "Wget/1.21", "python-requests/2.31.0", "Go-http-client/1.1", "", "   "])
def test_bots_and_programs_are_not_counted(app, client, pages, ua):
    assert view(client, "/wiki/haies", ua=ua).status_code == 200
    assert stored(app) == {}


def test_head_errors_redirects_and_other_urls_are_not_counted(app, client, pages, token):
    assert view(client, "/wiki/haies", method="HEAD").status_code == 200
    assert view(client, "/wiki/pas-de-page").status_code == 404
    assert view(client, "/wiki/Haies").status_code == 301           # to /wiki/haies: the view is the next one
    for path in ("/api/pages/haies", "/wiki/haies/history", "/wiki/haies/edit", "/fiches/initiatives",
                 "/admin", "/static/bocage.css", "/recherche?q=haies"):
        view(client, path)
    with app.test_request_context():
        from wiki.content.pages import delete_page
        delete_page("mares", author="Camille")
    assert view(client, "/wiki/mares").status_code == 404          # in the trash
    assert stored(app) == {}


def test_the_count_threshold_writes_after_the_response(app, client, pages):
    counter = counter_of(app)
    counter.flush_views = 3
    view(client, "/wiki/haies")
    view(client, "/wiki/mares")
    with app.app_context():
        assert PageViewDay.select().count() == 0                  # two: still in memory
    view(client, "/wiki/haies")                                   # the third: written once it is sent
    assert counter.pending() == {}
    with app.app_context():
        assert {(r.page, r.views) for r in PageViewDay.select()} == {("haies", 2), ("mares", 1)}


def test_the_time_threshold_writes_too(app, client, pages):
    counter = counter_of(app)
    counter.flush_seconds = 0
    view(client, "/wiki/haies")
    assert counter.pending() == {}
    with app.app_context():
        assert PageViewDay.get().views == 1


# -- the upsert, on SQLite and PostgreSQL ------------------------------------------------------
def test_flush_adds_to_the_rows_of_other_processes(app):
    day, yesterday = date(2027, 3, 14), date(2027, 3, 13)
    with app.app_context():
        add_views({(day, "haies"): 5, (yesterday, "haies"): 1})
        add_views({(day, "haies"): 7, (day, "mares"): 2})       # another worker, the same day
    one, two = ViewCounter(), ViewCounter()                        # two processes' counters
    for _ in range(3):
        one.count(day, "mares")
    two.count(day, "mares")
    with app.app_context():
        assert one.flush() == 3 and two.flush() == 1 and one.flush() == 0
        rows = {(r.day, r.page): r.views for r in PageViewDay.select()}
    assert rows == {(day, "haies"): 12, (yesterday, "haies"): 1, (day, "mares"): 6}


def test_a_failed_write_keeps_the_counts(app, tmp_path):
    counter = ViewCounter()
    counter.count(date(2027, 1, 1), "haies")
    with app.app_context():
        database.execute_sql('ALTER TABLE "page_view_day" RENAME TO "pvd_away"')
        assert counter.flush() == 0                                # logged, not raised
        assert counter.pending() == {(date(2027, 1, 1), "haies"): 1}
        database.execute_sql('ALTER TABLE "pvd_away" RENAME TO "page_view_day"')
        assert counter.flush() == 1
        assert PageViewDay.get().views == 1


# -- settings -----------------------------------------------------------------------------------
def _settings(instance_dir, text):
    path = instance_dir / "instance.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def test_statistics_off_counts_nothing(instance_dir, monkeypatch):
    _settings(instance_dir, "[statistics]\nenabled = false\n")
    if conftest.POSTGRES:
        monkeypatch.setenv("BOCAGE_DATABASE_URL", conftest._postgres_schema_url()[1])
    app = create_app(instance_dir, config={"TESTING": True})
    try:
        assert counter_of(app) is None
        with app.test_request_context():
            save_page("haies", "# Haies", author="Camille")
            conftest.robot_token()
        client = app.test_client()
        for _ in range(3):
            assert view(client, "/wiki/haies").status_code == 200
        with app.app_context():
            assert PageViewDay.select().count() == 0
        client.set_cookie("lang", "en")
        sign_in(client)
        page = client.get("/admin/statistiques")
        assert page.status_code == 200 and "not counted on this wiki" in page.get_data(as_text=True)
    finally:
        app.extensions["bocage.search"].close()
        database.close()


def test_statistics_settings(instance_dir):
    instance = load_instance(instance_dir)
    assert (instance.statistics_enabled, instance.statistics_theme_field,
            instance.statistics_commune_field) == (True, "themes", "commune")
    _settings(instance_dir, '[statistics]\ntheme_field = "thematique"\ncommune_field = "ville"\n')
    instance = load_instance(instance_dir)
    assert (instance.statistics_theme_field, instance.statistics_commune_field) == ("thematique", "ville")


@pytest.mark.parametrize("bad", ['enabled = "oui"', "theme_field = 3", 'commune_field = ""'])
def test_bad_statistics_settings_are_refused_clearly(instance_dir, bad):
    _settings(instance_dir, f"[statistics]\n{bad}\n")
    with pytest.raises(InstanceError, match=r"\[statistics\]"):
        load_instance(instance_dir)


# -- the dashboard -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/admin/statistiques", "/admin/statistiques/vues.csv"])
def test_the_dashboard_is_for_moderators_and_admins(app, token, path):
    visitor = app.test_client()
    r = visitor.get(path)
    assert r.status_code == 302 and "/connexion" in r.headers["Location"]
    for username, role, status in (("eve", "editor", 403), ("morgane", "moderator", 200), ("robot", "admin", 200)):
        if username != "robot":
            account(app, username, role)
        client = app.test_client()
        sign_in(client, username, conftest.ROBOT_PASSWORD)
        assert client.get(path).status_code == status, (username, path)


def test_the_admin_home_links_to_the_dashboard(admin):
    assert 'href="/admin/statistiques"' in admin.get("/admin").get_data(as_text=True)


def _svgs(html):
    charts = SVG.findall(html)
    for svg in charts:
        root = ET.fromstring(svg)                                 # well-formed XML
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
        assert root.find("{http://www.w3.org/2000/svg}title").text
        assert root.get("role") == "img"
        assert "style" not in svg.lower()                         # the CSP's style-src 'self'
    return charts


def test_dashboard_figures_charts_and_hostile_text(app, admin, pages, add):
    with app.app_context():
        add_views({(today(), "haies"): 9, (today(), "mares"): 4, (today(), HOSTILE): 2,
                   (today() - timedelta(days=40), "haies"): 100})     # outside 30 days
    add("initiatives", titre="Le jardin partagé", commune="Redon", themes=["Alimentation", "Agriculture"])
    add("initiatives", titre="La recyclerie", commune="Redon", themes=["Alimentation"])
    add("initiatives", titre="Le bar associatif", commune=HOSTILE)
    with app.app_context():
        Provenance.create(page=Revision.select().first().page_id, source_url="https://voisin.example/wiki/x",
                          source_name="Pays voisin")
        database.execute_sql(
            'INSERT INTO "follower" ("local", "actor", "inbox", "follow_id", "status", "created") VALUES '
            + ", ".join(["(%s, %s, %s, %s, %s, %s)".replace("%s", database.param)] * 2),
            ("territoire", "https://a.example/u/1", "https://a.example/inbox", "https://a.example/f/1", "accepted",
             datetime.utcnow() - timedelta(days=400),
             "territoire", "https://b.example/u/2", "https://b.example/inbox", "https://b.example/f/2", "accepted",
             datetime.utcnow()))
    r = admin.get("/admin/statistiques")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    charts = _svgs(html)
    assert len(charts) == 8
    assert re.search(r"<title>[^<]*haies: 9</title>", html)          # top pages, the tooltip of its bar
    assert ">Redon: 2</title>" in html and ">Alimentation: 2</title>" in html
    table = re.search(r'id="pages".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert [m for m in re.findall(r"<td>(?:<a [^>]*>)?([^<]+)", table)][:2] == ["haies", "9"]
    year = admin.get("/admin/statistiques?period=12m").get_data(as_text=True)
    assert len(_svgs(year)) == 8
    assert re.search(r"<title>[^<]*haies: 109</title>", year)
    assert admin.get("/admin/statistiques?period=autre").status_code == 200     # the default period


def _csv(admin, slug, period="30d"):
    r = admin.get(f"/admin/statistiques/{slug}.csv?period={period}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_exports_escape_formulas(app, admin, pages, add):
    with app.app_context():
        add_views({(today(), "haies"): 3, (today(), "=1+2"): 2, (today(), "@SUM(A1)"): 1,
                   (today(), "-2+3"): 1, (today(), "+cmd"): 1})
    add("initiatives", titre="Le bar associatif", commune=FORMULA)
    pages_csv = _csv(admin, "pages")
    assert pages_csv[0] == ["Page", "Views"]
    assert dict(pages_csv[1:]) == {"haies": "3", "'=1+2": "2", "'@SUM(A1)": "1", "'-2+3": "1", "'+cmd": "1"}
    assert _csv(admin, "communes")[1] == ['\'=HYPERLINK("http://evil","x")', "1"]
    days = _csv(admin, "vues")
    assert len(days) == 31 and days[-1] == [today().isoformat(), "8"]
    months = _csv(admin, "vues", "12m")
    assert len(months) == 13 and months[-1] == [today().strftime("%Y-%m"), "8"]
    assert admin.get("/admin/statistiques/rien.csv").status_code == 404


def test_edits_and_contributors_from_the_history(app, admin, pages):
    """Three edits of "Camille" (no account, no request: one contributor), two by the admin."""
    token = conftest.csrf_token(admin, "/wiki/haies/edit")
    for i in range(2):
        base = re.search(r'name="base_revision" value="(\d+)"', admin.get("/wiki/haies/edit").get_data(as_text=True))
        r = admin.post("/wiki/haies/edit", data={"csrf_token": token, "base_revision": base.group(1),
                                                 "source": f"# haies\n\nVersion {i}", "comment": "",
                                                 "action": "save"})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
    edits = dict(_csv(admin, "modifications")[1:])
    assert edits[today().isoformat()] == "5"
    people = _csv(admin, "contributeurs")
    assert people[0] == ["Period", "Number"] and people[-1][1] == "2"
    assert re.fullmatch(r"\d{4}-W\d\d", people[-1][0])
