"""Federation's tables (created by wiki/migrations/m0004_federation.py, a frozen copy).

Remote documents are kept as fetched (`document`, JSON) next to the columns that are queried.
"""
from peewee import BooleanField, CharField, DateTimeField, DoubleField, IntegerField, TextField

from wiki.db import BaseModel, utcnow

URL = 500       # the longest id or address kept


class RemoteActor(BaseModel):
    """An actor of another server, as last fetched: its inbox and public key (a cache)."""
    url = CharField(max_length=URL, unique=True)
    domain = CharField(max_length=255, index=True)
    key_id = CharField(max_length=URL, index=True)
    public_key = TextField()
    inbox = CharField(max_length=URL)
    shared_inbox = CharField(max_length=URL, default="")
    handle = CharField(max_length=300, default="")      # name@domain
    name = CharField(max_length=300, default="")
    document = TextField()
    fetched = DateTimeField(default=utcnow)


class Follower(BaseModel):
    """A remote actor following one of ours (`local` is the actor's name: slug or form id)."""
    local = CharField(max_length=100)
    actor = CharField(max_length=URL)
    inbox = CharField(max_length=URL)                   # the shared inbox when it has one
    follow_id = CharField(max_length=URL)
    status = CharField(max_length=10, default="accepted")   # accepted, pending
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("local", "actor"), True),)


class Following(BaseModel):
    """A remote actor one of ours follows."""
    local = CharField(max_length=100)
    actor = CharField(max_length=URL)
    follow_id = CharField(max_length=URL, unique=True)
    status = CharField(max_length=10, default="pending")    # pending, accepted, rejected
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("local", "actor"), True),)


class SeenActivity(BaseModel):
    """Ids of the activities the inbox accepted: one applied once, however often it comes."""
    activity_id = CharField(max_length=URL, unique=True)
    received = DateTimeField(default=utcnow, index=True)


class OutboxActivity(BaseModel):
    """An activity one of our actors published (the outbox; dereferenceable at its id)."""
    uid = CharField(max_length=40, unique=True)
    local = CharField(max_length=100)
    type = CharField(max_length=20)
    object_id = CharField(max_length=URL, index=True)
    document = TextField()
    published = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("local", "id"), False),)


class Delivery(BaseModel):
    """One activity to one inbox. A worker claims a row by setting `lease_until`; a row whose
    lease ran out (a worker killed) is claimed again. `status`: pending, done, dead."""
    activity = IntegerField(index=True)                 # OutboxActivity.id
    inbox = CharField(max_length=URL)
    signer = CharField(max_length=100)                  # the local actor that signs
    status = CharField(max_length=10, default="pending")
    attempts = IntegerField(default=0)
    next_attempt = DateTimeField(default=utcnow)
    lease_until = DateTimeField(null=True)
    last_error = CharField(max_length=500, default="")
    created = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "next_attempt"), False),)


class BlockedDomain(BaseModel):
    domain = CharField(max_length=255, unique=True)
    reason = CharField(max_length=500, default="")
    created = DateTimeField(default=utcnow)


class BlockedActor(BaseModel):
    """One remote actor blocked (its domain is not): its activities get 403 (m0015)."""
    url = CharField(max_length=URL, unique=True)
    reason = CharField(max_length=500, default="")
    created = DateTimeField(default=utcnow)


class RemovedObject(BaseModel):
    """A received object a moderator removed (`kind` "removed"), refused in the moderation
    queue ("rejected"), or hidden by a block (`kind` "blocked", `cause` "domain:…" or
    "actor:…"): its later Creates, Updates and Announces are ignored; undone from the admin's
    page, or when the block goes (m0015)."""
    object_id = CharField(max_length=URL, unique=True)
    page = CharField(max_length=100, default="")        # its local page, trashed ("" if never kept)
    kind = CharField(max_length=10, default="removed")  # removed, rejected, blocked
    cause = CharField(max_length=520, default="", index=True)   # "actor:" + its address
    reason = CharField(max_length=500, default="")
    by = CharField(max_length=100, default="")
    created = DateTimeField(default=utcnow)


class RemoteObject(BaseModel):
    """A page, fiche or post received from a followed actor: a common of a neighbour."""
    object_id = CharField(max_length=URL, unique=True)
    type = CharField(max_length=20)
    origin = CharField(max_length=URL, index=True)      # the actor that sent it
    attributed_to = CharField(max_length=URL, default="")
    name = CharField(max_length=300, default="")
    summary = TextField(default="")
    content = TextField(default="")                     # sanitized HTML
    url = CharField(max_length=URL, default="")
    licence = CharField(max_length=200, default="")
    published = DateTimeField(null=True)
    updated = DateTimeField(null=True)
    starts = DateTimeField(null=True)
    lat = DoubleField(null=True)
    lon = DoubleField(null=True)
    document = TextField()
    received = DateTimeField(default=utcnow)
    deleted = BooleanField(default=False)
    page = CharField(max_length=100, default="")        # the local page or fiche it is kept as (m0006)
    held = BooleanField(default=False)                  # waits for a moderator (hold_commons; m0015)


class AnnounceQueue(BaseModel):
    """A page changed in a bulk import (thousands of fiches), to announce: the delivery worker
    builds its activity (m0007), so that the import does not wait for it."""
    page = IntegerField()                               # Page.id
    change = CharField(max_length=10)                   # save, delete, restore
    queued = DateTimeField(default=utcnow)


class InboxQueue(BaseModel):
    """Received content (Create, Update, Announce) whose signature and origin were checked by
    the inbox, for the delivery worker to keep as commons (pages and fiches: a revision and a
    search-index commit each, 10 ms that the inbox request does not wait for) (m0008)."""
    activity = TextField()                              # JSON, as received
    sender = CharField(max_length=URL)                  # the verified actor (RemoteActor.url)
    local = CharField(max_length=100, default="")       # our actor whose inbox it came to ("": shared)
    received = DateTimeField(default=utcnow)


ALL_MODELS = [RemoteActor, Follower, Following, SeenActivity, OutboxActivity, Delivery,
              BlockedDomain, RemoteObject, AnnounceQueue, InboxQueue, BlockedActor, RemovedObject]
