"""Edits held for moderation (wiki/moderation): first edits of new accounts, anonymous edits when
the instance asks for it. Frozen copy of wiki/moderation/models.py."""
from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def up(db, migrator):
    class HeldEdit(Model):
        name = CharField(max_length=100, index=True)
        kind = CharField(max_length=40, default="page")
        source = TextField()
        title = CharField(max_length=200, null=True)
        base_revision = IntegerField(null=True)
        comment = CharField(max_length=500, default="")
        author = CharField(max_length=100, default="")
        action = CharField(max_length=20, default="edit")
        account = IntegerField(null=True, index=True)
        address_hash = CharField(max_length=32, null=True)
        party = IntegerField(null=True)
        created = DateTimeField(index=True)
        status = CharField(max_length=10, default="held", index=True)
        decided = DateTimeField(null=True)
        decided_by = CharField(max_length=100, default="")
        reason = CharField(max_length=500, default="")
        revision = IntegerField(null=True)

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([HeldEdit])
