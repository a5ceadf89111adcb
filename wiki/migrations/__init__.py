"""Versioned schema migrations, applied in order and recorded in the schema_version table.

Each module `mNNNN_description.py` here defines `up(db, migrator)`. A migration describes the
schema as it was at its time (frozen), never by importing today's models, so that replaying
them on an empty database always gives the schema the models expect (a test checks it).
"""
import importlib
import pkgutil

from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

from ..db import database, is_postgres
from ..models import SchemaVersion


def available() -> list[tuple[int, str]]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append((int(info.name[1:5]), info.name))
    return sorted(found)


def applied() -> set[int]:
    if not database.table_exists(SchemaVersion._meta.table_name):
        return set()
    return {row.version for row in SchemaVersion.select(SchemaVersion.version)}


def migrate() -> list[str]:
    """Apply the pending migrations; returns their names. Safe to run at every start."""
    done = applied()
    pending = [(v, n) for v, n in available() if v not in done]
    if not pending:
        return []
    db = database.obj
    migrator = PostgresqlMigrator(db) if is_postgres() else SqliteMigrator(db)
    names = []
    for version, name in pending:
        module = importlib.import_module(f"{__name__}.{name}")
        with database.atomic():
            module.up(db, migrator)
            SchemaVersion.create(version=version, name=name)
        names.append(name)
    return names
