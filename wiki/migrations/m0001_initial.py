"""The first schema: pages, revisions, links, attachments, API tokens (frozen copy)."""
from peewee import (BooleanField, CharField, CompositeKey, DateTimeField, ForeignKeyField,
                    IntegerField, Model, TextField)


def up(db, migrator):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class SchemaVersion(Base):
        version = IntegerField(primary_key=True)
        name = CharField(max_length=100)
        applied = DateTimeField()

    class Page(Base):
        name = CharField(max_length=100, unique=True)
        title = CharField(max_length=200)
        kind = CharField(max_length=20, default="page", index=True)
        revision = IntegerField(null=True)
        created = DateTimeField()
        updated = DateTimeField(index=True)
        deleted = DateTimeField(null=True, index=True)

    class Revision(Base):
        page = ForeignKeyField(Page, on_delete="CASCADE")
        number = IntegerField()
        source = TextField()
        title = CharField(max_length=200)
        comment = CharField(max_length=500, default="")
        author = CharField(max_length=100)
        created = DateTimeField(index=True)
        base = IntegerField(null=True)
        action = CharField(max_length=20, default="edit")
        size = IntegerField(default=0)

        class Meta:
            indexes = ((("page", "number"), True),)

    class Link(Base):
        source = ForeignKeyField(Page, on_delete="CASCADE")
        target = CharField(max_length=100, index=True)

        class Meta:
            primary_key = CompositeKey("source", "target")

    class Attachment(Base):
        page = ForeignKeyField(Page, on_delete="CASCADE")
        filename = CharField(max_length=200)
        stored = CharField(max_length=80, unique=True)
        content_type = CharField(max_length=100)
        size = IntegerField()
        author = CharField(max_length=100)
        created = DateTimeField()
        deleted = DateTimeField(null=True)

        class Meta:
            indexes = ((("page", "filename"), True),)

    class ApiToken(Base):
        label = CharField(max_length=100)
        digest = CharField(max_length=64, unique=True)
        created = DateTimeField()
        last_used = DateTimeField(null=True)
        revoked = BooleanField(default=False)

    db.create_tables([SchemaVersion, Page, Revision, Link, Attachment, ApiToken])
