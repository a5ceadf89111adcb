"""Full-text search for wiki content: a process-safe wrapper around whoosh with French analysis.

No Flask/peewee here: the app (on every page save) and ``bocage reindex`` pass plain SearchDoc values.
"""
from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Collection, Iterable

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import DATETIME, ID, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.qparser import MultifieldParser, OrGroup, SingleQuotePlugin
from whoosh.reading import SegmentReader
from whoosh.util.filelock import try_for
from whoosh.writing import CLEAR

from .analysis import ANALYZER, FOLD, plain_text
from .excerpts import Highlighter
from .ranking import Ranker, Unsupported, fast_terms

__all__ = ["SearchIndex", "SearchDoc", "SearchHit", "SearchResults", "SearchIndexLocked", "plain_text"]

MAX_STORED_CHARS = 20_000  # stored (highlightable) text per doc: keeps the index small
MAX_INDEXED_CHARS = 500_000  # indexed text per doc: long pages stay searchable past the stored part
MAX_FILTERED = 2000  # matches looked at when results are filtered by page name (a territory)
MAX_QUERY_CHARS = 300  # longer user queries are truncated: parsing and scoring grow with the terms
LOCK_TIMEOUT = 5.0  # seconds to wait for another process's writer before giving up
MERGE_FANOUT = 3  # merge a size tier once this many segments share it (measured: 3-4 best, 8 doubles search time)


def make_schema() -> Schema:
    return Schema(name=ID(stored=True, unique=True), kind=ID(stored=True), updated=DATETIME(stored=True),
                  title=TEXT(analyzer=ANALYZER, stored=True), text=TEXT(analyzer=ANALYZER, stored=True))


class SearchIndexLocked(RuntimeError):
    """Another writer kept the index lock longer than LOCK_TIMEOUT."""


@dataclass(frozen=True)
class SearchDoc:
    name: str
    title: str
    text: str
    kind: str = "page"
    updated: datetime | None = None
    extra: str = ""  # searchable, never shown (tags...)


@dataclass
class SearchHit:
    name: str
    title: str
    kind: str
    excerpt: str  # HTML-safe: escaped text, <mark> around matched terms
    score: float


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int
    page: int
    pages: int
    query: str
    error: str | None = None


def _merge_tiers(writer, segments):
    """Merge segments of one size order (1-9, 10-99... docs) once MERGE_FANOUT share it: few segments
    (search cost grows with them), cheap commits. whoosh's MERGE_SMALL lets hundreds pile up."""
    tiers: dict[int, list] = {}
    for seg in segments:
        tiers.setdefault(len(str(seg.doc_count_all())), []).append(seg)
    merged = [seg for segs in tiers.values() if len(segs) >= MERGE_FANOUT for seg in segs]
    for seg in merged:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [seg for seg in segments if seg not in merged]


def _tame(q):
    """Drop match-everything queries (``*``, ``a*``, ``text:*``) that would expand the whole lexicon."""
    if isinstance(q, Q.Every) or (isinstance(q, (Q.Wildcard, Q.Prefix)) and len(re.split(r"[*?]", q.text)[0]) < 2):
        return Q.NullQuery
    return q


class SearchIndex:
    """One open whoosh index plus a cached searcher, shared by the threads of one process."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        os.makedirs(self.path, exist_ok=True)
        if not whoosh_index.exists_in(self.path):
            storage = FileStorage(self.path)
            lock = storage.lock("MAIN_WRITELOCK")  # the writers' lock: two workers may start at once
            if not try_for(lock.acquire, timeout=LOCK_TIMEOUT, delay=0.02):
                raise SearchIndexLocked(f"cannot create the search index in {self.path}: locked")
            try:
                if not whoosh_index.exists_in(self.path):
                    storage.create_index(make_schema())
            finally:
                lock.release()
        self._ix = whoosh_index.open_dir(self.path)
        schema = self._ix.schema  # the stored one: queries must be analysed like the indexed documents
        self._parser = MultifieldParser(["title", "text"], schema, fieldboosts={"title": 4.0},
                                        group=OrGroup.factory(0.9))  # OR, favouring pages with more terms
        self._parser.remove_plugin_class(SingleQuotePlugin)  # French apostrophes are not quotes
        self._highlighter = Highlighter(schema["text"].analyzer, FOLD)
        self._ranker = Ranker()  # postings of immutable segments, kept across searchers
        # dropped with the searcher: (query, kinds) -> (error, [(score, docnum)], total, terms); leaf -> docnums
        self._ranked: dict[tuple, tuple] = {}
        self._leafsets: dict = {}
        self._lock = threading.Lock()  # guards the searcher and all the caches above
        self._wlock = threading.Lock()  # serialises this process's writers before the file lock
        self._searcher = None

    def _write(self, action, writer_options=None, **commit):
        """Run ``action(writer)`` and commit, waiting up to LOCK_TIMEOUT for other processes' writers.

        compound=False: opening a compound segment copies it into memory (~10 ms per reopen at 10k pages).
        """
        with self._wlock:
            try:
                w = self._ix.writer(timeout=LOCK_TIMEOUT, delay=0.02, compound=False, **(writer_options or {}))
            except LockError:
                raise SearchIndexLocked(
                    f"search index {self.path} held by another writer for over {LOCK_TIMEOUT:g} s") from None
            try:
                result = action(w)
                w.commit(**commit)
            except BaseException:
                w.cancel()
                raise
            return result

    def add(self, doc: SearchDoc) -> None:
        fields = _fields(doc)
        self._write(lambda w: w.update_document(**fields), mergetype=_merge_tiers)

    def remove(self, name: str) -> None:
        self._write(lambda w: w.delete_by_term("name", name), mergetype=_merge_tiers)

    def update_many(self, docs: Iterable[SearchDoc], removed: Iterable[str] = ()) -> None:
        """Add or replace many documents and remove others in one commit (imports: a commit costs
        tens of milliseconds, one per document would dominate)."""
        def apply(w):
            for name in removed:
                w.delete_by_term("name", name)
            for doc in docs:
                w.update_document(**_fields(doc))
        self._write(apply, mergetype=_merge_tiers)

    def rebuild(self, docs: Iterable[SearchDoc], progress: Callable[[int], None] | None = None) -> int:
        """Replace everything in one writer (CLEAR merge): readers keep the old index until the commit,
        which a failure never reaches. Duplicate names: the first wins. add() calls elsewhere wait for
        the lock meanwhile, then fail with SearchIndexLocked after LOCK_TIMEOUT."""
        def fill(w):
            seen: set[str] = set()
            for doc in docs:
                if doc.name not in seen:
                    seen.add(doc.name)
                    w.add_document(**_fields(doc))
                    if progress and len(seen) % 500 == 0:
                        progress(len(seen))
            return len(seen)
        n = self._write(fill, {"limitmb": 256}, mergetype=CLEAR)
        if progress:
            progress(n)
        return n

    def _fresh(self):
        """The cached searcher, reopened when the TOC generation changed (any writer committed). Not
        searcher.refresh(): in whoosh-reloaded 2.7.5 it keeps readers with stale deletions, re-adds
        merged-away segments and crashes on an empty index."""
        if self._searcher is None or not self._searcher.up_to_date():
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = self._ix.searcher()
            self._ranked.clear(), self._leafsets.clear()
            self._ranker.retain(self._searcher)
        return self._searcher

    def _parse(self, text: str):
        """(query or None if nothing is searchable, error message if the input could not be parsed)."""
        error = None
        try:
            q = self._parser.parse(text, normalize=False)  # normalize() first would turn "* verger" into "*"
        except Exception as e:  # whoosh is lenient, but fall back to bare words on any parser failure
            error = f"Requête invalide ({e.__class__.__name__}) : recherche des mots seuls."
            try:
                q = self._parser.parse(" ".join(w.lower() for w in re.findall(r"\w+", text)), normalize=False)
            except Exception:
                return None, error
        q = q.accept(_tame).normalize()
        if isinstance(q, Q.Or) and any(isinstance(sub, Q.Not) for sub in q.subqueries):
            # with OR grouping "four NOT moulin" would match every page without "moulin": exclude instead
            pos = [sub for sub in q.subqueries if not isinstance(sub, Q.Not)]
            neg = [sub.query for sub in q.subqueries if isinstance(sub, Q.Not)]
            q = Q.AndNot(Q.Or(pos, scale=q.scale), Q.Or(neg)).normalize() if pos else Q.NullQuery
        return (None if q is Q.NullQuery else q), error

    def _excerpt(self, text: str, terms: frozenset[str]) -> str:
        return self._highlighter.excerpt(text, terms)

    def search(self, query: str, limit: int = 20, page: int = 1,
               kinds: Collection[str] | None = None, keep: Callable[[str], bool] | None = None,
               hide: tuple[Collection[str], Collection[str]] = ((), ())) -> SearchResults:
        """Ranked, paginated search. An empty ``kinds`` (as from ``request.args.getlist``) means all kinds.
        ``keep(name)``: only the pages it accepts (a territory's); ranked among the first
        MAX_FILTERED matches, the index knowing nothing of territories. ``hide``: (page names,
        kinds) the reader may not read (wiki/rights.py `hidden()`), left out the same way."""
        text = " ".join((query or "")[:MAX_QUERY_CHARS].replace("?", " ").split())
        limit, page = max(1, min(int(limit), 100)), max(1, int(page))
        kinds = sorted({kinds} if isinstance(kinds, str) else set(kinds or ()))
        if not text:
            return SearchResults(hits=[], total=0, page=page, pages=0, query=text)
        with self._lock:
            for attempt in range(3):
                searcher = self._fresh()
                try:
                    return self._page(searcher, text, kinds, limit, page, keep, hide)
                except (OSError, TypeError):
                    # segments are separate files, opened lazily: if a concurrent merge deleted some,
                    # the index changed meanwhile, so reopen and retry. Otherwise it is a real error.
                    if attempt == 2 or searcher.up_to_date():
                        raise

    def _page(self, searcher, text: str, kinds: list[str], limit: int, page: int, keep=None,
              hide=((), ())) -> SearchResults:
        result = SearchResults(hits=[], total=0, page=page, pages=0, query=text)
        names, hidden_kinds = hide
        if keep is not None or names or hidden_kinds:
            result.error, ranked, _total, terms = self._run(searcher, text, kinds, MAX_FILTERED)
            ranked = [(s, d) for s, d in ranked if _shown(searcher.stored_fields(d), keep, names, hidden_kinds)]
            result.total = len(ranked)
        else:
            cached = self._ranked.get((text, tuple(kinds)))
            if cached is None or len(cached[1]) < min(page * limit, cached[2]):
                cached = self._ranked[text, tuple(kinds)] = self._run(searcher, text, kinds, page * limit)
            result.error, ranked, result.total, terms = cached
        result.pages = math.ceil(result.total / limit)
        for score, docnum in ranked[(page - 1) * limit: page * limit]:  # only this page is highlighted
            stored = searcher.stored_fields(docnum)
            result.hits.append(SearchHit(name=stored["name"], title=stored.get("title", ""),
                                         kind=stored.get("kind", ""), score=float(score or 0.0),
                                         excerpt=self._excerpt(stored.get("text", ""), terms)))
        return result

    def _run(self, searcher, text: str, kinds: list[str], n: int) -> tuple:
        """(error, top ``n`` [(score, docnum)], exact total, terms to highlight) for one query. Plain
        word queries (nearly all) are ranked by ranking.py, ~10x faster, as whoosh would; others by whoosh."""
        if len(self._ranked) > 256 or len(self._leafsets) > 1024:
            self._ranked.clear(), self._leafsets.clear()
        q, error = self._parse(text)
        if q is None:
            return error, [], 0, frozenset()
        terms = _query_terms(q, searcher.reader())
        leaves = fast_terms(q)
        if leaves is not None:
            try:
                top, total = self._ranker.rank(searcher, leaves, kinds, n)
                return error, top, total, terms
            except Unsupported:
                pass  # not a layout the fast path reads: whoosh ranks it
        kfilter = Q.Or([Q.Term("kind", k) for k in kinds]) if kinds else None
        top = searcher.search(q, limit=n, filter=kfilter).top_n
        docs = _docset(q, searcher, self._leafsets)
        total = len(docs & _docset(kfilter, searcher, self._leafsets) if kfilter else docs)
        return error, top, total, terms

    def count(self) -> int:
        with self._lock:
            return self._fresh().doc_count()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._ix.close()


def _shown(stored: dict, keep, names, kinds) -> bool:
    name = stored["name"]
    return (name not in names and stored.get("kind", "page") not in kinds
            and (keep is None or keep(name)))


def _docset(q, searcher, cache: dict) -> frozenset[int]:
    """Matching docnums by set algebra over cached leaf postings, for exact totals: len(results) re-walks
    the whole matcher in Python (slow), and totals with optimize=False are wrong (pruned matchers)."""
    if isinstance(q, (Q.Or, Q.DisjunctionMax)) and not getattr(q, "minmatch", 0):
        return frozenset().union(*(_docset(sub, searcher, cache) for sub in q.subqueries))
    if isinstance(q, (Q.And, Q.Require)):
        sets = sorted((_docset(sub, searcher, cache) for sub in q.subqueries), key=len)
        return sets[0].intersection(*sets[1:])
    if isinstance(q, (Q.AndNot, Q.AndMaybe)):
        a = _docset(q.a, searcher, cache)
        return a - _docset(q.b, searcher, cache) if isinstance(q, Q.AndNot) else a
    if q not in cache:
        subs = searcher.subsearchers or [(searcher, 0)]
        cache[q] = frozenset().union(*(q.docs(s) if not off else {d + off for d in q.docs(s)} for s, off in subs))
    return cache[q]


def _query_terms(q, reader) -> frozenset[str]:
    """Indexed terms to highlight, prefixes expanded (whoosh's existing_terms() skips fields after the first)."""
    return frozenset(text.decode("utf-8") if isinstance(text, bytes) else text for leaf in q.leaves()
                     for field, text in leaf.expanded_terms(reader) if field in ("title", "text"))


def _fields(doc: SearchDoc) -> dict:
    """``extra`` is indexed with the text but not stored: one field fewer to match per query term."""
    text = (doc.text or "")[:MAX_INDEXED_CHARS]
    return dict(name=doc.name, kind=doc.kind or "page", title=doc.title or "", updated=doc.updated,
                text=f"{text}\n{doc.extra}" if doc.extra else text, _stored_text=text[:MAX_STORED_CHARS])
