"""Revert batches ("Tout annuler", undoable), watched pages and forms, and each account's
secret feed address (frozen copy of wiki/moderation/models.py)."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(db, migrator):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class RevertBatch(Base):
        created = DateTimeField(index=True)
        actor = CharField(max_length=100)
        account = IntegerField(null=True)
        kind = CharField(max_length=20)
        value = CharField(max_length=100)
        target = CharField(max_length=300)
        start = DateTimeField(null=True)
        end = DateTimeField(null=True)
        undoes = IntegerField(null=True, index=True)

    class RevertItem(Base):
        batch = ForeignKeyField(RevertBatch, on_delete="CASCADE")
        page = IntegerField(index=True)
        revision = IntegerField(null=True)
        action = CharField(max_length=20)
        note = CharField(max_length=300, default="")

    class Watch(Base):
        account = IntegerField(index=True)
        target = CharField(max_length=150)
        created = DateTimeField()
        email = BooleanField(default=False)

        class Meta:
            indexes = ((("account", "target"), True),)

    class WatchFeed(Base):
        account = IntegerField(primary_key=True)
        token = CharField(max_length=64, unique=True)
        created = DateTimeField()

    db.create_tables([RevertBatch, RevertItem, Watch, WatchFeed])
