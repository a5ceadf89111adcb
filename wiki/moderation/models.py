"""The moderation tables: edits held for moderation, "Tout annuler" batches, watches.

Kept apart from the code that uses them so that wiki/models.py can list them in ALL_MODELS
without a circular import (no foreign key to Page for that reason). Frozen copies in the
migrations m0013 (HeldEdit) and m0014 (the others).
"""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

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


class RevertBatch(BaseModel):
    """One "revert all" action: whose edits (`kind` account | pseudonym | address | batch, and
    `value`), in which window, by whom. A batch that undoes another names it in `undoes`."""
    created = DateTimeField(default=utcnow, index=True)
    actor = CharField(max_length=100)
    account = IntegerField(null=True)
    kind = CharField(max_length=20)
    value = CharField(max_length=100)
    target = CharField(max_length=300)               # how it is shown: "account bob"
    start = DateTimeField(null=True)                 # UTC window; None for an undo
    end = DateTimeField(null=True)
    undoes = IntegerField(null=True, index=True)


class RevertItem(BaseModel):
    """One page of a batch: a revision the revert made (`revision`), or a page it skipped
    (`revision` None, the reason in `note`). Undoing a batch reverts exactly these revisions."""
    batch = ForeignKeyField(RevertBatch, backref="items", on_delete="CASCADE")
    page = IntegerField(index=True)                  # a Page id (pages are trashed, never purged)
    revision = IntegerField(null=True)
    action = CharField(max_length=20)                # restore, merge, trash, undelete, skip
    note = CharField(max_length=300, default="")


class Watch(BaseModel):
    """An account follows a page ("page:<name>") or the fiches of a form ("form:<id>")."""
    account = IntegerField(index=True)
    target = CharField(max_length=150)
    created = DateTimeField(default=utcnow)
    email = BooleanField(default=False)              # also by e-mail

    class Meta:
        indexes = ((("account", "target"), True),)


class WatchFeed(BaseModel):
    """The secret of an account's Atom feed of watched changes (a reader cannot send cookies):
    whoever has the address reads the feed, so it can be changed."""
    account = IntegerField(primary_key=True)
    token = CharField(max_length=64, unique=True)
    created = DateTimeField(default=utcnow)


MODERATION_MODELS = [HeldEdit, RevertBatch, RevertItem, Watch, WatchFeed]
