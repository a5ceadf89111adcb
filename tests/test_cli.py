"""The `bocage` command, run for real in subprocesses (`python -m wiki.cli ...`).

With BOCAGE_TEST_POSTGRES set, each test gets its own PostgreSQL schema, passed to the
subprocesses (and to the in-process checks) through BOCAGE_DATABASE_URL; the few checks that
are about the SQLite file itself are marked sqlite_only and skipped then.
"""
import contextlib
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import conftest
from conftest import robot_token
from wiki import create_app
from wiki.content.importer import import_markdown, markdown_files
from wiki.db import database
from wiki.instance import init_instance

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = conftest.POSTGRES
TIMEOUT = 60


def sqlite_only(test):
    """For checks about the SQLite file: skipped when the tests run on PostgreSQL."""
    test = pytest.mark.skipif(bool(POSTGRES), reason="checks the SQLite database file")(test)
    return pytest.mark.sqlite_only(test)


@pytest.fixture
def db_env(monkeypatch):
    """The environment for subprocesses (and this process): a fresh PostgreSQL schema if asked."""
    monkeypatch.delenv("BOCAGE_DATABASE_URL", raising=False)
    env = {k: v for k, v in os.environ.items() if k != "BOCAGE_DATABASE_URL"}
    env["PYTHONUNBUFFERED"] = "1"
    schema = None
    if POSTGRES:
        schema, url = conftest._postgres_schema_url()
        env["BOCAGE_DATABASE_URL"] = url
        monkeypatch.setenv("BOCAGE_DATABASE_URL", url)
    yield env
    _close_database()
    if schema:
        import psycopg2
        with psycopg2.connect(conftest._dsn(POSTGRES)) as conn, conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")


def _close_database():
    with contextlib.suppress(Exception):
        if not database.is_closed():
            database.close()
        if hasattr(database.obj, "close_all"):
            database.obj.close_all()


@contextlib.contextmanager
def open_app(directory):
    """The app of an instance, in this process, for checking what the commands did."""
    app = create_app(directory, config={"TESTING": True})
    try:
        yield app
    finally:
        app.extensions["bocage.search"].close()
        _close_database()


def bocage(*args, env, timeout=TIMEOUT):
    return subprocess.run([sys.executable, "-m", "wiki.cli", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def no_traceback(result):
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


def db_tables(directory, env) -> set[str]:
    """The tables of the instance's database, read without the app."""
    url = env.get("BOCAGE_DATABASE_URL")
    if url:
        import psycopg2
        schema = re.search(r"search_path%3D(\w+)", url).group(1)
        with psycopg2.connect(conftest._dsn(POSTGRES)) as conn, conn.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
            return {row[0] for row in cur.fetchall()}
    with contextlib.closing(sqlite3.connect(Path(directory) / "data" / "bocage.db")) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# --------------------------------------------------------------------------- init

def test_init_creates_settings_secrets_and_database(tmp_path, db_env):
    folder = tmp_path / "val-d-essai"
    result = bocage("init", folder, "--name", "Val d'Essai", "--domain", "val.test", env=db_env)
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert "Val d'Essai" in result.stdout and str(folder) in result.stdout

    settings = tomllib.loads((folder / "instance.toml").read_text(encoding="utf-8"))
    assert settings["name"] == "Val d'Essai"
    assert settings["domain"] == "val.test"
    assert settings["slug"] == "val-d-essai"
    assert settings["language"] == "fr"
    assert "secret" not in (folder / "instance.toml").read_text(encoding="utf-8")   # safe to commit

    secrets_file = folder / "data" / "secrets.toml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    secret = tomllib.loads(secrets_file.read_text(encoding="utf-8"))["secret_key"]
    assert len(secret) >= 32
    assert (folder / "data" / "uploads").is_dir() and (folder / "data" / "search").is_dir()
    assert {"page", "revision", "link", "api_token", "schema_version"} <= db_tables(folder, db_env)

    # init again (even with other options): settings and secret are kept
    settings_text = (folder / "instance.toml").read_text(encoding="utf-8")
    secrets_text = secrets_file.read_text(encoding="utf-8")
    again = bocage("init", folder, "--name", "Autre nom", "--domain", "autre.test", env=db_env)
    assert again.returncode == 0, again.stderr
    assert secrets_file.read_text(encoding="utf-8") == secrets_text
    assert (folder / "instance.toml").read_text(encoding="utf-8") == settings_text
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("language, welcome, edit", [
    ("fr", "Bienvenue sur le wiki de Val d'Essai", "Modifier"),
    ("en", "Welcome to the wiki of Val d'Essai", "Edit")])
def test_home_of_a_fresh_instance_is_200(tmp_path, db_env, language, welcome, edit):
    """`bocage init` writes a home page in the instance's language: a new wiki does not open on a 404."""
    folder = tmp_path / "val-d-essai"
    result = bocage("init", folder, "--name", "Val d'Essai", "--domain", "val.test",
                    "--language", language, env=db_env)
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    with open_app(folder) as app:
        client = app.test_client()
        home = client.get("/", headers={"Accept-Language": language})
        assert home.status_code == 200
        html = home.get_data(as_text=True)
        assert welcome in html and f"<strong>{edit}</strong>" in html
        assert "/wiki/guide-de-la-wiki-party" in html or "/wiki/wiki-party-guide" in html
        page = client.get("/api/pages/accueil").get_json()
        assert page["title"] == welcome and page["revision_number"] == 1 and page["author"] == "Val d'Essai"
        assert client.get("/api/search?q=wiki").get_json()["results"][0]["name"] == "accueil"
    # a second init leaves the page as people wrote it
    with open_app(folder) as app, app.app_context():
        token = robot_token("t")
    with open_app(folder) as app:
        client = app.test_client()
        body = {"source": "# Chez nous\n", "base_revision": page["revision"]}
        assert client.put("/api/pages/accueil", json=body,
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert bocage("init", folder, "--name", "Val d'Essai", "--domain", "val.test", env=db_env).returncode == 0
    with open_app(folder) as app:
        assert app.test_client().get("/api/pages/accueil").get_json()["title"] == "Chez nous"


def test_init_of_an_example_folder_writes_no_home_page(tmp_path, db_env):
    """A folder that already has its instance.toml (like the demo territories) brings its own pages."""
    folder = tmp_path / "exemple"
    folder.mkdir()
    (folder / "instance.toml").write_text('name = "Exemple"\ndomain = "ex.test"\n', encoding="utf-8")
    assert bocage("init", folder, "--name", "Exemple", "--domain", "ex.test", env=db_env).returncode == 0
    with open_app(folder) as app:
        assert app.test_client().get("/api/pages").get_json()["total"] == 0


@sqlite_only
def test_default_database_is_data_bocage_db_in_wal_mode(tmp_path, db_env):
    folder = tmp_path / "territoire"
    init_instance(folder, "Territoire", "t.test")
    assert not (folder / "data" / "bocage.db").exists()
    result = bocage("migrate", folder, env=db_env)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout.lower() or "à jour" in result.stdout.lower()
    with contextlib.closing(sqlite3.connect(folder / "data" / "bocage.db")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] >= 1


# --------------------------------------------------------------------------- import-markdown

def _markdown_folder(tmp_path) -> Path:
    folder = tmp_path / "markdown"
    (folder / "sous-dossier").mkdir(parents=True)
    (folder / "un.md").write_text("# Premier titre\n\nBonjour le bocage.\n", encoding="utf-8")
    (folder / "deux.md").write_text("# Mobilité douce\n\nLa navette hippomobile relie les bourgs.\n",
                                    encoding="utf-8")
    (folder / "sous-dossier" / "trois.md").write_text("Une introduction sans titre.\n\n# Titre profond\n\n"
                                                      "Texte.\n", encoding="utf-8")
    (folder / "latin.md").write_bytes("# Café\n\nL'été à la ferme.\n".encode("latin-1"))
    (folder / "ignore.txt").write_text("# Pas du Markdown\n", encoding="utf-8")
    return folder


def test_import_markdown(tmp_path, db_env):
    instance = tmp_path / "territoire"
    init_instance(instance, "Territoire", "t.test")
    folder = _markdown_folder(tmp_path)

    result = bocage("import-markdown", instance, folder, env=db_env)
    assert result.returncode == 1, result.stdout + result.stderr
    no_traceback(result)
    assert "3 created, 0 updated, 0 unchanged, 1 failed." in result.stdout
    assert "latin" in result.stderr and "UTF-8" in result.stderr
    assert not re.search(r"\b(un|deux|trois)\b", result.stderr)

    # a second run: one file changed, the others unchanged, no new revision for them
    (folder / "un.md").write_text("# Premier titre\n\nBonjour le bocage, et les haies.\n", encoding="utf-8")
    again = bocage("import-markdown", instance, folder, "--author", "Réimport", env=db_env)
    assert again.returncode == 1
    assert "0 created, 1 updated, 2 unchanged, 1 failed." in again.stdout

    with open_app(instance) as app:
        client = app.test_client()
        listing = client.get("/api/pages").get_json()
        assert {p["name"]: p["title"] for p in listing["pages"]} == {
            "un": "Premier titre", "deux": "Mobilité douce", "sous-dossier-trois": "Titre profond"}
        assert client.get("/api/pages/latin").status_code == 404
        assert client.get("/api/pages/ignore").status_code == 404

        deux = client.get("/api/pages/deux").get_json()
        assert deux["source"] == "# Mobilité douce\n\nLa navette hippomobile relie les bourgs.\n"
        assert deux["author"] == "import"
        history = client.get("/api/pages/deux/revisions").get_json()["revisions"]
        assert [(r["number"], r["action"]) for r in history] == [(1, "import")]
        history = client.get("/api/pages/un/revisions").get_json()["revisions"]
        assert [(r["number"], r["action"], r["author"]) for r in history] == [
            (2, "import", "Réimport"), (1, "import", "import")]
        # imported pages are searchable at once
        hits = client.get("/api/search?q=hippomobile").get_json()["results"]
        assert [h["name"] for h in hits] == ["deux"]


def test_import_of_good_files_only_exits_0(tmp_path, db_env):
    instance = tmp_path / "territoire"
    init_instance(instance, "Territoire", "t.test")
    folder = _markdown_folder(tmp_path)
    (folder / "latin.md").unlink()
    result = bocage("import-markdown", instance, folder, env=db_env)
    assert result.returncode == 0, result.stderr
    assert "3 created, 0 updated, 0 unchanged, 0 failed." in result.stdout


def test_import_names_the_failed_file_as_it_is_on_disk(tmp_path, ctx):
    folder = _markdown_folder(tmp_path)
    summary = import_markdown(markdown_files(folder), root=folder)
    assert [file for file, _reason in summary.failed] == ["latin.md"]


# --------------------------------------------------------------------------- token create
def test_tokens_are_listed_and_revoked(tmp_path, db_env):
    instance = tmp_path / "territoire"
    init_instance(instance, "Territoire", "t.test")
    refused = bocage("token", "create", instance, env=db_env)
    assert refused.returncode != 0 and "no admin account yet" in refused.stderr
    made = bocage("account", "create", instance, "Chef", "--role", "admin", "--password", "un mot de passe",
                  env=db_env)
    assert made.returncode == 0, made.stderr
    token = bocage("token", "create", instance, "--label", "admin-cli", env=db_env).stdout.strip()
    listed = bocage("token", "list", instance, env=db_env)
    assert listed.returncode == 0 and re.match(r"1\tadmin-cli\tChef\tcreated .*\tnever used\n$", listed.stdout)
    assert token not in listed.stdout
    assert bocage("token", "revoke", instance, "7", env=db_env).returncode != 0
    result = bocage("token", "revoke", instance, "1", env=db_env)
    assert result.returncode == 0, result.stderr
    assert bocage("token", "list", instance, env=db_env).stdout.rstrip().endswith("REVOKED")
    with open_app(instance) as app:
        r = app.test_client().put("/api/pages/robot", json={"source": "# x\n", "base_revision": None},
                                  headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401


def test_token_create_prints_a_working_token(tmp_path, db_env):
    instance = tmp_path / "territoire"
    init_instance(instance, "Territoire", "t.test")
    assert bocage("account", "create", instance, "robot", "--role", "editor", "--password", "12345678",
                  env=db_env).returncode == 0
    result = bocage("token", "create", instance, "--label", "robot-cli", "--account", "robot", env=db_env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert re.fullmatch(r"bocage_[A-Za-z0-9_-]{32,}", token), result.stdout

    with open_app(instance) as app:
        client = app.test_client()
        body = {"source": "# Par le robot\n", "base_revision": None}
        assert client.put("/api/pages/robot", json=body, headers={"Authorization": f"Bearer {token}x"}
                          ).status_code == 401
        r = client.put("/api/pages/robot", json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.get_data(as_text=True)
        assert client.get("/api/pages/robot").get_json()["author"] == "robot-cli"
        # only a digest is stored
        from wiki.models import ApiToken
        with app.app_context():
            assert all(token not in (t.digest, t.label) for t in ApiToken.select())


# --------------------------------------------------------------------------- reindex

def test_reindex_rebuilds_a_deleted_index(tmp_path, db_env):
    instance = tmp_path / "territoire"
    init_instance(instance, "Territoire", "t.test")
    with open_app(instance) as app:
        with app.app_context():
            token = robot_token("test")
        client = app.test_client()
        for name, text in [("haies", "Les haies bocagères abritent la faune."),
                           ("mares", "Les mares du bocage."), ("trash", "Une page jetée, bocagère.")]:
            r = client.put(f"/api/pages/{name}", json={"source": f"# {name}\n\n{text}\n"},
                           headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201
        from wiki.content.pages import delete_page
        with app.test_request_context():
            database.connect(reuse_if_open=True)
            delete_page("trash")

    import shutil
    shutil.rmtree(instance / "data" / "search")
    with open_app(instance) as app:        # nothing found without an index
        assert app.test_client().get("/api/search?q=bocagere").get_json()["total"] == 0

    result = bocage("reindex", instance, env=db_env)
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    match = re.search(r"(\d+) pages indexed", result.stdout)
    assert match and int(match.group(1)) == 2, result.stdout     # the trashed page is not indexed

    with open_app(instance) as app:
        data = app.test_client().get("/api/search?q=bocagere").get_json()
        assert [h["name"] for h in data["results"]] == ["haies"]
        assert "<mark>" in data["results"][0]["excerpt"]
        assert app.test_client().get("/api/search?q=mares").get_json()["total"] == 1


# --------------------------------------------------------------------------- readable errors

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_missing_or_broken_instances_give_readable_errors(tmp_path, db_env):
    empty = tmp_path / "vide"
    empty.mkdir()
    broken = tmp_path / "casse"
    broken.mkdir()
    (broken / "instance.toml").write_text("name = \"Cassé\"\ndomain = [oups\n", encoding="utf-8")
    incomplete = tmp_path / "incomplet"
    incomplete.mkdir()
    (incomplete / "instance.toml").write_text("name = \"Sans domaine\"\n", encoding="utf-8")
    no_secrets = tmp_path / "sans-secrets"
    init_instance(no_secrets, "Sans secrets", "s.test")
    (no_secrets / "data" / "secrets.toml").unlink()
    markdown = _markdown_folder(tmp_path)

    cases = {   # command -> (exit code, text the message must contain)
        ("reindex", tmp_path / "absent"): (2, "does not exist"),
        ("token", "create", empty): (1, "bocage init"),
        ("import-markdown", empty, markdown): (1, "instance.toml"),
        ("serve", empty, "--port", _free_port()): (1, "instance.toml"),
        ("migrate", broken): (1, "instance.toml"),
        ("migrate", incomplete): (1, "domain"),
        ("reindex", no_secrets): (1, "secrets.toml"),
    }
    # run them side by side: each one is a Python start-up
    procs = {args: subprocess.Popen([sys.executable, "-m", "wiki.cli", *map(str, args)], cwd=ROOT,
                                    env=db_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for args in cases}
    try:
        for args, proc in procs.items():
            out, err = proc.communicate(timeout=TIMEOUT)
            code, expected = cases[args]
            assert proc.returncode == code, (args, out, err)
            assert "Traceback" not in out + err, (args, err)
            assert expected in err, (args, err)
            assert err.strip().splitlines()[-1].startswith("Error:"), (args, err)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    assert not (empty / "data").exists()      # nothing was created on the way


def test_bocage_console_script(tmp_path):
    script = Path(sys.executable).parent / "bocage"
    if not script.exists():
        pytest.skip("the bocage script is not installed next to this Python")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0
    for command in ("init", "serve", "import-markdown", "token", "reindex", "migrate"):
        assert command in result.stdout
