"""Federation's tables: remote actors, followers, followings, seen activities, the outbox, the
delivery queue, blocked domains, received objects (frozen copy of federation/models.py)."""
from peewee import BooleanField, CharField, DateTimeField, DoubleField, IntegerField, Model, TextField

URL = 500


def up(db, migrator):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class RemoteActor(Base):
        url = CharField(max_length=URL, unique=True)
        domain = CharField(max_length=255, index=True)
        key_id = CharField(max_length=URL, index=True)
        public_key = TextField()
        inbox = CharField(max_length=URL)
        shared_inbox = CharField(max_length=URL, default="")
        handle = CharField(max_length=300, default="")
        name = CharField(max_length=300, default="")
        document = TextField()
        fetched = DateTimeField()

    class Follower(Base):
        local = CharField(max_length=100)
        actor = CharField(max_length=URL)
        inbox = CharField(max_length=URL)
        follow_id = CharField(max_length=URL)
        status = CharField(max_length=10, default="accepted")
        created = DateTimeField()

        class Meta:
            indexes = ((("local", "actor"), True),)

    class Following(Base):
        local = CharField(max_length=100)
        actor = CharField(max_length=URL)
        follow_id = CharField(max_length=URL, unique=True)
        status = CharField(max_length=10, default="pending")
        created = DateTimeField()

        class Meta:
            indexes = ((("local", "actor"), True),)

    class SeenActivity(Base):
        activity_id = CharField(max_length=URL, unique=True)
        received = DateTimeField(index=True)

    class OutboxActivity(Base):
        uid = CharField(max_length=40, unique=True)
        local = CharField(max_length=100)
        type = CharField(max_length=20)
        object_id = CharField(max_length=URL, index=True)
        document = TextField()
        published = DateTimeField()

        class Meta:
            indexes = ((("local", "id"), False),)

    class Delivery(Base):
        activity = IntegerField(index=True)
        inbox = CharField(max_length=URL)
        signer = CharField(max_length=100)
        status = CharField(max_length=10, default="pending")
        attempts = IntegerField(default=0)
        next_attempt = DateTimeField()
        lease_until = DateTimeField(null=True)
        last_error = CharField(max_length=500, default="")
        created = DateTimeField()

        class Meta:
            indexes = ((("status", "next_attempt"), False),)

    class BlockedDomain(Base):
        domain = CharField(max_length=255, unique=True)
        reason = CharField(max_length=500, default="")
        created = DateTimeField()

    class RemoteObject(Base):
        object_id = CharField(max_length=URL, unique=True)
        type = CharField(max_length=20)
        origin = CharField(max_length=URL, index=True)
        attributed_to = CharField(max_length=URL, default="")
        name = CharField(max_length=300, default="")
        summary = TextField(default="")
        content = TextField(default="")
        url = CharField(max_length=URL, default="")
        licence = CharField(max_length=200, default="")
        published = DateTimeField(null=True)
        updated = DateTimeField(null=True)
        starts = DateTimeField(null=True)
        lat = DoubleField(null=True)
        lon = DoubleField(null=True)
        document = TextField()
        received = DateTimeField()
        deleted = BooleanField(default=False)

    db.create_tables([RemoteActor, Follower, Following, SeenActivity, OutboxActivity, Delivery,
                      BlockedDomain, RemoteObject])
