"""Federation: the changes of a bulk import wait in announce_queue for the delivery worker, which
builds their activities (frozen copy)."""
from peewee import CharField, DateTimeField, IntegerField, Model


def up(db, migrator):
    class AnnounceQueue(Model):
        page = IntegerField()
        change = CharField(max_length=10)
        queued = DateTimeField()

        class Meta:
            database = db
            table_name = "announce_queue"

    db.create_tables([AnnounceQueue])
