"""Wiki parties: name, place, start and end (UTC), the join code, who opened it, when it closed
and the page of its tally. Frozen copy of wiki/parties/models.py."""
from peewee import CharField, DateTimeField, ForeignKeyField, Model


def up(db, migrator):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Account(Base):          # exists since m0009: only referenced
        username = CharField(max_length=40)

    class WikiParty(Base):
        name = CharField(max_length=120)
        place = CharField(max_length=200, default="")
        starts = DateTimeField(index=True)
        ends = DateTimeField(index=True)
        code = CharField(max_length=12, unique=True)
        created_by = ForeignKeyField(Account, null=True, on_delete="SET NULL")
        created = DateTimeField()
        closed_at = DateTimeField(null=True, index=True)
        tally_page = CharField(max_length=100, default="")

    db.create_tables([WikiParty])
