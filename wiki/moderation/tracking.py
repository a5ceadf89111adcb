"""The tables of "Tout annuler" (revert batches) and of watching pages and forms.

Kept apart from the code that uses them so that wiki/models.py can list them in ALL_MODELS
without a circular import (no foreign key to Page for that reason). Frozen copy in migration m0014.
"""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from ..db import BaseModel, utcnow


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


MODERATION_MODELS = [RevertBatch, RevertItem, Watch, WatchFeed]
