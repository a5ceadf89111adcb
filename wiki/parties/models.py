"""The table of wiki parties ("fêtes du wiki"): volunteers gathered in a town hall feed the wiki
under a pseudonym, without an account, while the party runs (wiki/parties/service.py)."""
from peewee import CharField, DateTimeField, ForeignKeyField

from ..accounts.models import Account
from ..db import BaseModel, utcnow


class WikiParty(BaseModel):
    """One party: it runs from `starts` to `ends` (naive UTC) unless `closed_at` is set earlier.
    `code` is what participants type (or scan); `tally_page` the page written when it closed."""
    name = CharField(max_length=120)
    place = CharField(max_length=200, default="")
    starts = DateTimeField(index=True)
    ends = DateTimeField(index=True)
    code = CharField(max_length=12, unique=True)
    created_by = ForeignKeyField(Account, null=True, on_delete="SET NULL")
    created = DateTimeField(default=utcnow)
    closed_at = DateTimeField(null=True, index=True)
    tally_page = CharField(max_length=100, default="")


PARTY_MODELS = [WikiParty]
