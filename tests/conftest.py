"""Fixtures: a real instance folder, the real app, on SQLite or (BOCAGE_TEST_POSTGRES set) PostgreSQL.

With BOCAGE_TEST_POSTGRES=postgresql://127.0.0.1:5432/test each test app gets its own schema,
dropped afterwards, so tests stay independent and can run in parallel.
"""
import contextlib
import os
import re
import shutil
import uuid

import pytest

from wiki import create_app
from wiki.accounts.tokens import create_token

ROBOT_PASSWORD = "mot-de-passe-du-robot"
from wiki.db import database
from wiki.instance import init_instance

POSTGRES = os.environ.get("BOCAGE_TEST_POSTGRES", "")


def _postgres_schema_url():
    import psycopg2
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg2.connect(_dsn(POSTGRES)) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES else "?"
    # synchronous_commit off: a test's commits do not wait for the disk (nothing here needs to
    # survive a crash of the server): on a slow disk the PostgreSQL run waited mostly on fsync.
    return schema, f"{POSTGRES}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


def _dsn(url):
    m = re.match(r"postgres(?:ql)?://(?:([^@/]*)@)?([^:/]+)(?::(\d+))?/(\w+)", url)
    user, host, port, name = m.groups()
    return f"host={host} port={port or 5432} dbname={name}" + (f" user={user}" if user else "")


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, only the tests that reach it: those of the `app` fixture (it hands the
    schema to the app), and those of modules that hand a schema to the processes they start (a
    module-level POSTGRES, as test_cli.py and test_server.py). The others (the sanitizer, the
    search index, parsers, servers on their own SQLite file) ran the same on the SQLite pass."""
    if not POSTGRES:
        return
    kept, left = [], []
    for item in items:
        reaches = "app" in item.fixturenames or getattr(item.module, "POSTGRES", None)
        (kept if reaches else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture
def instance_dir(tmp_path, federation_key):
    init_instance(tmp_path / "territoire", "Territoire de test", "wiki.test")
    data = tmp_path / "territoire" / "data"
    (data / "federation-key.pem").write_text(federation_key.private_pem)
    (data / "federation-key.pub.pem").write_text(federation_key.public_pem)   # else parsed again: 40 ms
    return tmp_path / "territoire"


# PostgreSQL: building a schema (all the migrations' DDL) takes 1-2 s, most of a test's time. A
# test's schema is emptied after it (_empty: ids start at 1 again) and kept
# for the next test of this process, unless the test left it with other tables or migrations.
_emptied: list[tuple[str, str]] = []
_schema_shape: dict[str, frozenset] = {}


def _take_schema():
    return _emptied.pop() if _emptied else _postgres_schema_url()


def _give_back_schema(schema, url):
    import psycopg2
    from wiki.migrations import available
    with psycopg2.connect(_dsn(POSTGRES)) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
        tables = frozenset(row[0] for row in cur.fetchall())
        versions = -1
        if "schema_version" in tables:
            cur.execute(f'SELECT COUNT(*) FROM {schema}."schema_version"')
            versions = cur.fetchone()[0]
        shape = _schema_shape.setdefault("tables", tables) if versions == len(available()) else None
        if shape != tables:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
            return
        _empty(cur, schema, sorted(tables - {"schema_version"}))
    _emptied.append((schema, url))


def _empty(cur, schema, tables):
    """DELETE every row and restart the sequences (ids start at 1 again): 15-20 ms, against 80-110
    for a TRUNCATE of the 35 tables (which makes new files for each). Foreign keys are not
    checked meanwhile (session_replication_role, a superuser's right); TRUNCATE otherwise."""
    cur.execute("SET synchronous_commit = off")
    try:
        cur.execute("SAVEPOINT empty; SET LOCAL session_replication_role = replica")
    except Exception:                                  # noqa: BLE001  (not a superuser)
        cur.execute("ROLLBACK TO SAVEPOINT empty")
        cur.execute("TRUNCATE " + ", ".join(f'{schema}."{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        return
    cur.execute(";".join(f'DELETE FROM {schema}."{t}"' for t in tables))
    cur.execute("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = %s", (schema,))
    sequences = [row[0] for row in cur.fetchall()]
    if sequences:
        cur.execute(";".join(f'ALTER SEQUENCE {schema}."{q}" RESTART' for q in sequences))


@pytest.fixture(scope="session", autouse=True)
def _drop_emptied_schemas():
    yield
    if _emptied:
        import psycopg2
        with psycopg2.connect(_dsn(POSTGRES)) as conn, conn.cursor() as cur:
            for schema, _url in _emptied:
                cur.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """An empty SQLite database with every migration applied, made once per process: copied into
    each test instance, it spares each test the migrations' DDL (50-80 ms). Migrations seed no
    row on an empty database, so it is the same for every instance; test_schema.py checks it
    against the models and the migrations themselves run on each `bocage init` of test_cli.py."""
    from wiki.db import open_database
    from wiki.migrations import migrate
    if POSTGRES:
        return None
    folder = tmp_path_factory.mktemp("migrated")
    path = folder / "bocage.db"
    open_database("", path)
    with database.connection_context():
        migrate()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.obj.close_all()
    return path


@pytest.fixture
def app(instance_dir, monkeypatch, migrated_sqlite):
    schema = None
    if POSTGRES:
        schema, url = _take_schema()
        monkeypatch.setenv("BOCAGE_DATABASE_URL", url)
    elif (instance_dir / "data").is_dir() and not (instance_dir / "data" / "bocage.db").exists():
        shutil.copyfile(migrated_sqlite, instance_dir / "data" / "bocage.db")
    app = create_app(instance_dir, config={"TESTING": True})
    yield app
    if not database.is_closed():
        database.close()
    database.obj.close_all() if hasattr(database.obj, "close_all") else None
    app.extensions["bocage.search"].close()
    if schema:
        _give_back_schema(schema, url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app + request context, for calling the content services directly."""
    with app.test_request_context():
        database.connect(reuse_if_open=True)
        yield app
        database.close()


def robot_token(label="robot", role="admin", username="robot"):
    """An API token of the account `username` (made with `role` the first time): in an app context."""
    from wiki.accounts.service import create_account, find_account
    account = find_account(username) or create_account(username, ROBOT_PASSWORD, role=role)
    return create_token(label, account.id)


@pytest.fixture
def token(app):
    """An admin's API token (the account "robot", password ROBOT_PASSWORD)."""
    with app.app_context():
        return robot_token()


def csrf_token(client, path="/wiki/accueil/edit"):
    """Fetch a form and return its CSRF token, as a browser would."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, login="robot", password=ROBOT_PASSWORD, next_url=None):
    """Sign in at /connexion, through the real form."""
    data = {"csrf_token": csrf_token(client, "/connexion"), "login": login, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/connexion", data=data)


@pytest.fixture
def en(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def admin(en, token):
    """The test client, signed in as an admin (pages in English)."""
    r = sign_in(en, next_url="/admin")
    assert r.status_code == 302 and r.headers["Location"] == "/admin", r.get_data(as_text=True)[:300]
    return en


@pytest.fixture
def within(app):
    """Content functions in a request context of their own, closed before the client's requests
    (sharing `ctx` with the client would share `g`, and so the language, between them)."""
    @contextlib.contextmanager
    def context():
        with app.test_request_context("/?lang=en"):
            yield
    return context


@pytest.fixture
def add(within):
    """add(form_id, **raw): save a fiche of that form, as the instance (a test's set-up, not a
    visitor's edit: no rights, no anti-spam limit); its page name."""
    from wiki.content.pages import as_instance
    from wiki.fiches import entries

    def add(form_id, **raw):
        with within(), as_instance():
            return entries.save_entry(entries.catalogue().form(form_id), raw).page.name
    return add


@pytest.fixture
def values_of(within):
    """values_of(name): a fiche's values, as saved."""
    from wiki.fiches import entries

    def values_of(name):
        with within():
            return entries.load(name)[2]
    return values_of


# -- federation ----------------------------------------------------------------------------
# This checkout's installed metadata may predate the `bocage.extensions` entry point: name the
# extension here too (servers started by the tests inherit it).
os.environ.setdefault("BOCAGE_EXTENSIONS", "federation:init_app")


@pytest.fixture(scope="session")
def federation_key(tmp_path_factory):
    """One RSA key pair made for the whole run (55 ms each): copied into each test instance."""
    from federation import keys
    return keys.load_or_create(tmp_path_factory.mktemp("key"))


@pytest.fixture(scope="session")
def key():
    """The key of the remote server's actors (federation tests)."""
    from federation_helpers import RemoteKey
    return RemoteKey()


@pytest.fixture
def remote(key):
    """Another fediverse server on 127.0.0.1 with the actors alice, bob and carol."""
    from federation_helpers import FakeRemote
    server = FakeRemote()
    for name in ("alice", "bob", "carol"):
        server.add_actor(name, key)
    yield server
    server.close()


@pytest.fixture
def federated(instance_dir):
    """instance_dir with [federation] settings for tests on 127.0.0.1 (call with more settings)."""
    from federation_helpers import federation_settings

    def configure(**settings):
        federation_settings(instance_dir, allow_private_addresses=True, **settings)
        return instance_dir
    return configure


PEOPLE_PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def people(app):
    """people(username, role, email): a client of its own, signed in as a new account (English)."""
    from wiki.accounts.service import create_account

    def browser(username, role="editor", email=""):
        with app.app_context():
            create_account(username, PEOPLE_PASSWORD, role=role, email=email)
        client = app.test_client()
        client.set_cookie("lang", "en")
        r = sign_in(client, username, PEOPLE_PASSWORD)
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        return client
    return browser


def set_rule(app, target, read, edit):
    """An access rule, as the admin pages write it (every process reads rules again)."""
    from wiki.accounts.models import AccessRule
    from wiki.rights import rules_changed
    with app.test_request_context():
        AccessRule.create(target=target, read=read, edit=edit)
        rules_changed()
