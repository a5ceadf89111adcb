"""Federation: a received object is kept as a local page or fiche; `page` is its name, stable
across the object's updates (frozen: a column added to remote_object)."""
from peewee import CharField
from playhouse.migrate import migrate


def up(db, migrator):
    migrate(migrator.add_column("remote_object", "page", CharField(max_length=100, default="")))
