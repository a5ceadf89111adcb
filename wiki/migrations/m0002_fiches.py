"""Fiches: the query columns of entries and their facet values (frozen copy)."""
from peewee import CharField, CompositeKey, DateTimeField, DoubleField, ForeignKeyField, Model, TextField


def up(db, migrator):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Page(Base):
        class Meta:
            table_name = "page"

    class Entry(Base):
        page = ForeignKeyField(Page, primary_key=True, on_delete="CASCADE")
        form = CharField(max_length=40)
        status = CharField(max_length=10, default="published")
        title = CharField(max_length=300)
        sort_key = CharField(max_length=300)
        lat = DoubleField(null=True)
        lon = DoubleField(null=True)
        starts = DateTimeField(null=True)
        ends = DateTimeField(null=True)
        recurrence = CharField(max_length=300, default="")
        data = TextField()
        words = TextField(default="")
        updated = DateTimeField()

        class Meta:
            indexes = ((("form", "status", "sort_key"), False), (("form", "starts"), False),
                       (("form", "lat", "lon"), False))

    class EntryValue(Base):
        entry = ForeignKeyField(Entry, on_delete="CASCADE")
        field = CharField(max_length=40)
        value = CharField(max_length=300)

        class Meta:
            primary_key = CompositeKey("entry", "field", "value")
            indexes = ((("field", "value"), False),)

    db.create_tables([Entry, EntryValue])
