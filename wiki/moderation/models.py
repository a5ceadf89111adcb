"""Edits held for moderation: kept aside, published by a moderator (or refused), never before."""
from peewee import CharField, DateTimeField, IntegerField, TextField

from ..db import BaseModel, utcnow

STATUSES = ("held", "approved", "rejected")


class HeldEdit(BaseModel):
    """A change of page `name` as its author proposed it, from revision `base_revision`: approving
    it is saving it then, through save_page, so that the merge machinery applies."""
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
    created = DateTimeField(default=utcnow, index=True)
    status = CharField(max_length=10, default="held", index=True)
    decided = DateTimeField(null=True)
    decided_by = CharField(max_length=100, default="")
    reason = CharField(max_length=500, default="")
    revision = IntegerField(null=True)          # the revision its approval wrote


MODERATION_MODELS = [HeldEdit]
