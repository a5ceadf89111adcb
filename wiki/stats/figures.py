"""The dashboard's figures, each a list of (label, number) rows.

Page views come from `page_view_day` (wiki/stats/counter.py); everything else is read from the
tables the wiki keeps anyway (revisions, fiches, followers, provenance): no extra tracking.
Timestamps in those tables are UTC, so their days are UTC days; page views use the territory's
day (Europe/Paris). Commons received from other wikis are saved as revisions with the remote
territory's name as author and no account: they count as commons, not as edits or contributors.
"""
from collections import defaultdict
from datetime import date, datetime

from peewee import JOIN, fn

from ..db import database
from ..models import Entry, EntryValue, Page, Provenance, Revision
from .models import PageViewDay
from .periods import Period

TOP_PAGES = 20
TOP_VALUES = 15


def _day(value) -> date:
    """DATE(...) gives a str or a datetime (peewee converts it as the column's) on SQLite, a
    date on PostgreSQL."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _series(period: Period, day_counts) -> list[tuple[str, int]]:
    """Sum (day, n) pairs into the period's buckets."""
    sums = [0] * len(period.starts)
    for day, n in day_counts:
        i = period.index(_day(day))
        if i is not None:
            sums[i] += int(n or 0)
    return list(zip(period.labels(), sums))


def views(period: Period) -> list[tuple[str, int]]:
    q = (PageViewDay.select(PageViewDay.day, fn.SUM(PageViewDay.views))
         .where((PageViewDay.day >= period.first) & (PageViewDay.day < period.end))
         .group_by(PageViewDay.day).tuples())
    return _series(period, q)


def top_pages(period: Period, limit: int = TOP_PAGES) -> list[tuple[str, int]]:
    total = fn.SUM(PageViewDay.views)
    q = (PageViewDay.select(PageViewDay.page, total)
         .where((PageViewDay.day >= period.first) & (PageViewDay.day < period.end))
         .group_by(PageViewDay.page).order_by(total.desc(), PageViewDay.page).limit(limit).tuples())
    return [(page, int(n)) for page, n in q]


def _edits():
    """Revisions made on this wiki (not commons kept as revisions: see the module's docstring)."""
    commons = Provenance.select(Provenance.source_name).distinct()
    return ~(Revision.account.is_null() & Revision.author.in_(commons))


def edits(period: Period) -> list[tuple[str, int]]:
    day = fn.DATE(Revision.created)
    q = (Revision.select(day, fn.COUNT(Revision.id))
         .where((Revision.created >= period.since) & _edits()).group_by(day).tuples())
    return _series(period, q)


def contributors(period: Period) -> list[tuple[str, int]]:
    """Distinct people per week (30 days) or month (12 months): an account, else a name with
    the salted hash of the address (anonymous edits), else a name (edits made outside requests)."""
    period = period.weeks()
    day = fn.DATE(Revision.created)
    q = (Revision.select(day, Revision.account, Revision.author, Revision.address_hash)
         .where((Revision.created >= period.since) & _edits())
         .group_by(day, Revision.account, Revision.author, Revision.address_hash).tuples())
    people = defaultdict(set)
    for d, account, author, address in q:
        i = period.index(_day(d))
        if i is not None:
            people[i].add(("account", account) if account is not None else ("name", author, address or ""))
    return [(label, len(people[i])) for i, label in enumerate(period.labels())]


def new_entries(period: Period, field: str, limit: int = TOP_VALUES) -> list[tuple[str, int]]:
    """Fiches created in the period, by the values of `field` (a theme, a commune), most first;
    a fiche with several themes counts for each. Published fiches only."""
    n = fn.COUNT(EntryValue.entry)
    q = (EntryValue.select(EntryValue.value, n)
         .join(Entry, on=(EntryValue.entry == Entry.page))
         .join(Page, on=(Entry.page == Page.id))
         .where((EntryValue.field == field) & (Entry.status == "published") & Page.deleted.is_null()
                & (Page.created >= period.since))
         .group_by(EntryValue.value).order_by(n.desc(), EntryValue.value).limit(limit).tuples())
    return [(value, int(count)) for value, count in q]


def new_entries_total(period: Period) -> int:
    return (Entry.select().join(Page, JOIN.INNER, on=(Entry.page == Page.id))
            .where((Entry.status == "published") & Page.deleted.is_null() & (Page.created >= period.since))
            .count())


def followers(period: Period) -> list[tuple[str, int]] | None:
    """Accepted followers of the wiki's actors at the end of each bucket; None without the
    federation tables. The table keeps no date of removal: a follower gone is gone from every bucket."""
    if not database.table_exists("follower"):
        return None
    rows = database.execute_sql(       # raw SQL: the federation extension's models may not be loaded
        'SELECT DATE("created"), COUNT(*) FROM "follower" WHERE "status" = %s GROUP BY DATE("created")'
        % database.param, ("accepted",)).fetchall()
    before = sum(int(n) for d, n in rows if _day(d) < period.first)
    sums = _series(period, rows)
    out, running = [], before
    for label, n in sums:
        running += n
        out.append((label, running))
    return out


def commons(period: Period) -> list[tuple[str, int]]:
    day = fn.DATE(Provenance.received)
    q = (Provenance.select(day, fn.COUNT(Provenance.page))
         .where(Provenance.received >= period.since).group_by(day).tuples())
    return _series(period, q)
