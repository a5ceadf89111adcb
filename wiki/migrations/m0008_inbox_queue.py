"""Federation: received content (Create, Update, Announce) waits in inbox_queue for the delivery
worker, once its signature is checked (frozen copy)."""
from peewee import CharField, DateTimeField, Model, TextField


def up(db, migrator):
    class InboxQueue(Model):
        activity = TextField()
        sender = CharField(max_length=500)
        local = CharField(max_length=100, default="")
        received = DateTimeField()

        class Meta:
            database = db
            table_name = "inbox_queue"

    db.create_tables([InboxQueue])
