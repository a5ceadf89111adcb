"""The one table statistics add: views per page and day, nothing about who viewed.

Kept apart from wiki/models.py (content); wiki/models.py lists it in ALL_MODELS for the schema
test. Created by wiki/migrations/m0012_statistics.py (a frozen copy).
"""
from peewee import CharField, DateField, IntegerField

from ..db import BaseModel


class PageViewDay(BaseModel):
    """How many times a page or fiche was viewed on a day (Europe/Paris): a sum, added to by
    each process's counter (wiki/stats/counter.py). No address, no cookie, no visitor id."""
    day = DateField()
    page = CharField(max_length=100)       # the name, not a key: views outlive renames and deletions
    views = IntegerField(default=0)

    class Meta:
        table_name = "page_view_day"
        indexes = ((("day", "page"), True), (("page", "day"), False))


STATS_MODELS = [PageViewDay]
