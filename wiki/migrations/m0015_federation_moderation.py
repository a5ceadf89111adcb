"""Federation moderation: blocked actors, removed (or block-hidden, or refused) received objects,
and received objects held for a moderator (frozen copy of federation/models.py)."""
from peewee import BooleanField, CharField, DateTimeField, Model
from playhouse.migrate import migrate

URL = 500


def up(db, migrator):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class BlockedActor(Base):
        url = CharField(max_length=URL, unique=True)
        reason = CharField(max_length=500, default="")
        created = DateTimeField()

    class RemovedObject(Base):
        object_id = CharField(max_length=URL, unique=True)
        page = CharField(max_length=100, default="")
        kind = CharField(max_length=10, default="removed")
        cause = CharField(max_length=520, default="", index=True)
        reason = CharField(max_length=500, default="")
        by = CharField(max_length=100, default="")
        created = DateTimeField()

    db.create_tables([BlockedActor, RemovedObject])
    migrate(migrator.add_column("remote_object", "held", BooleanField(default=False)))
