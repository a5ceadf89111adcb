"""The wiki's tables. Pages and (later) entries share Page/Revision: one history, diff and merge."""
from peewee import (BooleanField, CharField, CompositeKey, DateTimeField, DoubleField,
                    ForeignKeyField, IntegerField, TextField)

from .db import BaseModel, utcnow


class Page(BaseModel):
    """A named document. Its text lives in its revisions; `revision` points at the current one."""
    name = CharField(max_length=100, unique=True)
    title = CharField(max_length=200)
    kind = CharField(max_length=20, default="page", index=True)
    revision = IntegerField(null=True)
    created = DateTimeField(default=utcnow)
    updated = DateTimeField(default=utcnow, index=True)
    deleted = DateTimeField(null=True, index=True)   # set while the page is in the trash


class Revision(BaseModel):
    """One state of a page. Never changed once written; restoring writes a new one."""
    page = ForeignKeyField(Page, backref="revisions", on_delete="CASCADE")
    number = IntegerField()                            # 1, 2, 3... within the page
    source = TextField()
    title = CharField(max_length=200)
    comment = CharField(max_length=500, default="")
    author = CharField(max_length=100)
    created = DateTimeField(default=utcnow, index=True)
    base = IntegerField(null=True)                     # the revision the editor started from
    action = CharField(max_length=20, default="edit")  # create, edit, merge, restore, import, delete, undelete, adopt
    size = IntegerField(default=0)
    # who, beyond the name shown: the account, or for anonymous edits a salted hash of the
    # address (never the address), and the wiki party it was made at ("Tout annuler" reads them)
    account = IntegerField(null=True, index=True)
    address_hash = CharField(max_length=32, null=True, index=True)
    party = IntegerField(null=True, index=True)

    class Meta:
        indexes = ((("page", "number"), True),)


class Link(BaseModel):
    """A wiki link (or include) from a page to a page name, existing or not: backlinks, orphans, wanted."""
    source = ForeignKeyField(Page, backref="links", on_delete="CASCADE")
    target = CharField(max_length=100, index=True)

    class Meta:
        primary_key = CompositeKey("source", "target")


class Attachment(BaseModel):
    """An uploaded file of a page, stored under data/uploads/ with a random name."""
    page = ForeignKeyField(Page, backref="attachments", on_delete="CASCADE")
    filename = CharField(max_length=200)
    stored = CharField(max_length=80, unique=True)
    content_type = CharField(max_length=100)
    size = IntegerField()
    author = CharField(max_length=100)
    created = DateTimeField(default=utcnow)
    deleted = DateTimeField(null=True)

    class Meta:
        indexes = ((("page", "filename"), True),)


class ApiToken(BaseModel):
    """A bearer token for the JSON API; only its SHA-256 is stored."""
    label = CharField(max_length=100)
    digest = CharField(max_length=64, unique=True)
    created = DateTimeField(default=utcnow)
    last_used = DateTimeField(null=True)
    revoked = BooleanField(default=False)
    account = IntegerField(null=True, index=True)    # whose rights it carries


class Entry(BaseModel):
    """The query columns of a fiche (a Page whose kind is a form id), rewritten from its current
    revision on every save in the same transaction: lists, map and agenda never parse sources."""
    page = ForeignKeyField(Page, primary_key=True, on_delete="CASCADE")
    form = CharField(max_length=40)
    status = CharField(max_length=10, default="published")   # published, pending (moderation)
    title = CharField(max_length=300)
    sort_key = CharField(max_length=300)                       # folded title, for sorting
    lat = DoubleField(null=True)                               # not FloatField: REAL on PostgreSQL
    lon = DoubleField(null=True)
    starts = DateTimeField(null=True)                          # UTC; first occurrence if recurring
    ends = DateTimeField(null=True)
    recurrence = CharField(max_length=300, default="")
    data = TextField()                                         # JSON of all values (private ones too)
    words = TextField(default="")                              # public text, folded: the list filter
    updated = DateTimeField()

    class Meta:
        indexes = ((("form", "status", "sort_key"), False), (("form", "starts"), False),
                   (("form", "status", "lat", "lon"), False))


class EntryValue(BaseModel):
    """One value of a choice, multiple-choice or tags field of a fiche: the facets of the lists."""
    entry = ForeignKeyField(Entry, on_delete="CASCADE")
    field = CharField(max_length=40)
    value = CharField(max_length=300)
    form = CharField(max_length=40, default="")      # the fiche's: a form's counts read one index

    class Meta:
        primary_key = CompositeKey("entry", "field", "value")
        indexes = ((("form", "field", "value", "entry"), False),)


class Provenance(BaseModel):
    """A page or fiche another wiki sent (a common of a neighbour): where it comes from, under
    which licence. Read-only here until someone adopts it; once adopted it is ours, and a later
    change of the original is kept in `upstream` (shown as a notice with the diff), never applied."""
    page = ForeignKeyField(Page, primary_key=True, on_delete="CASCADE")
    source_url = CharField(max_length=500)                     # the original's address
    source_name = CharField(max_length=300, index=True)        # its territory's name
    source_site = CharField(max_length=500, default="")        # its territory's address
    licence = CharField(max_length=200, default="")
    attribution = CharField(max_length=500, default="")
    received = DateTimeField(default=utcnow)
    adopted = BooleanField(default=False)
    upstream = TextField(null=True)                            # the original's text, changed after adoption
    upstream_changed = DateTimeField(null=True)                # set while that change waits for someone
    upstream_deleted = BooleanField(default=False)             # the original was withdrawn after adoption


class SchemaVersion(BaseModel):
    """Which migrations (wiki/migrations/mNNNN_*.py) this database has applied."""
    version = IntegerField(primary_key=True)
    name = CharField(max_length=100)
    applied = DateTimeField(default=utcnow)


from .accounts.models import ACCOUNT_MODELS  # noqa: E402  (they import BaseModel from db, not this module)
from .parties.models import PARTY_MODELS  # noqa: E402
from .moderation.models import MODERATION_MODELS  # noqa: E402
from .stats.models import STATS_MODELS  # noqa: E402

ALL_MODELS = [Page, Revision, Link, Attachment, ApiToken, Entry, EntryValue, Provenance, SchemaVersion,
              *ACCOUNT_MODELS, *PARTY_MODELS, *MODERATION_MODELS, *STATS_MODELS]
