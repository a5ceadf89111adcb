"""The database: SQLite by default, any peewee database URL (postgresql://...) by configuration."""
import contextlib
from datetime import datetime, timezone
from pathlib import Path

from peewee import DatabaseProxy, Model, PostgresqlDatabase
from playhouse.db_url import connect as connect_url
from playhouse.pool import PooledSqliteDatabase

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",      # readers never block the writer
    "foreign_keys": 1,
    "busy_timeout": 10000,      # wait for the write lock instead of failing at once
    "synchronous": "normal",    # safe with WAL, much faster saves
    "cache_size": -16000,
}


def utcnow() -> datetime:
    """Naive UTC timestamps: the same on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


def open_database(url: str, default_sqlite: Path):
    """Build the database object for `url`, or for the instance's SQLite file when `url` is empty."""
    if not url or url.startswith("sqlite"):
        path = url.split("///", 1)[1] if url else str(default_sqlite)
        db = PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, max_connections=32,
                                  stale_timeout=600, check_same_thread=False)
    elif url.startswith(("postgres://", "postgresql://")):
        # Pooled: a request takes an open connection instead of opening one (3-5 ms each,
        # more with a password); teardown gives it back (wiki/app.py).
        db = connect_url("postgresql+pool://" + url.split("://", 1)[1], max_connections=32,
                         stale_timeout=600)
    else:
        db = connect_url(url)
    database.initialize(db)
    return db


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


@contextlib.contextmanager
def write_transaction():
    """A transaction that takes the write lock at once, so read-then-write sequences don't race.

    SQLite: BEGIN IMMEDIATE. PostgreSQL: a normal transaction; callers lock rows with `locked()`.
    """
    if is_postgres():
        with database.atomic():
            yield
    else:
        with database.atomic(lock_type="IMMEDIATE"):
            yield


def locked(query):
    """SELECT ... FOR UPDATE where the database has it."""
    return query.for_update() if is_postgres() else query


def refresh_statistics(only_if_missing: bool = False) -> None:
    """Let the query planner know the tables' sizes (SQLite's ANALYZE). Without statistics SQLite
    walks the facet values by field instead of from the matching fiches: ten times slower on a
    few thousand fiches. Run after imports, and at start when never done. PostgreSQL's autovacuum
    keeps its own statistics."""
    if is_postgres():
        return
    if only_if_missing and database.execute_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        return
    database.execute_sql("ANALYZE")


def bulk_insert(model, rows: list[dict], *, ignore_conflicts: bool = False) -> None:
    """Insert many rows with one prepared statement (executemany). peewee's insert_many builds
    the SQL value by value: a third of a 5,000-line CSV import went there. Every row has the
    same keys; values go through the fields' own conversion, as peewee would do."""
    if not rows:
        return
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)     # both databases quote with ""
    marks = ", ".join([database.param] * len(fields))
    verb = "INSERT OR IGNORE" if ignore_conflicts and not is_postgres() else "INSERT"
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts and is_postgres() else ""
    sql = f'{verb} INTO "{model._meta.table_name}" ({columns}) VALUES ({marks}){tail}'
    values = [tuple(f.db_value(row[name]) for f, name in zip(fields, names)) for row in rows]
    with database.atomic():
        database.cursor().executemany(sql, values)
