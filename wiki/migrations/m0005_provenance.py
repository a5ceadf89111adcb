"""Where a page or fiche comes from when another wiki sent it: the commons of neighbours, and
the pages taken over from them ("adopted"), with the original's latest text (frozen copy of
wiki/models.py's Provenance)."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, Model, TextField


def up(db, migrator):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Page(Base):
        pass

    class Provenance(Base):
        page = ForeignKeyField(Page, primary_key=True, on_delete="CASCADE")
        source_url = CharField(max_length=500)
        source_name = CharField(max_length=300, index=True)
        source_site = CharField(max_length=500, default="")
        licence = CharField(max_length=200, default="")
        attribution = CharField(max_length=500, default="")
        received = DateTimeField()
        adopted = BooleanField(default=False)
        upstream = TextField(null=True)
        upstream_changed = DateTimeField(null=True)
        upstream_deleted = BooleanField(default=False)

    db.create_tables([Provenance])
