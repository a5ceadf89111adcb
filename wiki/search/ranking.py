"""Exact top-N BM25F ranking without whoosh's matchers, for the common query shape.

Plain word queries match ~40% of a wiki, so whoosh's block-max pruning barely helps and its
matcher tree costs ~5 µs per matching document in Python. Here a query that parses to one Term or a
flat OR of Terms on the title/text fields (what typed words give) is scored term by term over
whole posting lists: the same float operations as whoosh.scoring.bm25 and the same matcher tree
shape (DefaultOr's weighted tree, or PreloadedOr's running sum on small segments), so scores match
whoosh's bit for bit and the order (score desc, docnum asc) is the TopCollector's. Every other
shape returns None from fast_terms() and stays on whoosh.

Segments are immutable, so their postings and field lengths are cached by segment id in a small
LRU; deletions change between generations and are applied at query time.
"""
from __future__ import annotations

from array import array
from bisect import insort
from collections import OrderedDict
from heapq import nlargest
from itertools import compress
from operator import itemgetter

from whoosh import query as Q
from whoosh.reading import EmptyReader, SegmentReader
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from . import postings
from .postings import Unsupported

FIELDS = ("title", "text")
CACHE_BYTES = 6 << 20  # postings of the hot terms (the benchmark's 10k pages: 3.7 MB for all its query words)
_WEIGHT = itemgetter(0)


def fast_terms(q) -> list | None:
    """The Term leaves of ``q`` if the fast path scores it exactly like whoosh, else None.

    OR with ``scale`` stays on whoosh: its CoordMatcher recounts terms whenever the collector
    replaces exhausted sub-matchers, which depends on the walk, not only on the documents."""
    if type(q) is Q.Term:
        subs = [q]
    elif (type(q) is Q.Or and not q.minmatch and q.scale is None and q.boost == 1.0
          and Q.Or.matcher_type == Q.Or.AUTO_MATCHER):
        subs = list(q.subqueries)
    else:
        return None
    if not subs or any(type(s) is not Q.Term or s.fieldname not in FIELDS or s.minquality for s in subs):
        return None
    return subs


class Ranker:
    """Caches per-segment postings and lengths; callers serialise access (SearchIndex._lock)."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        self._cache: OrderedDict = OrderedDict()  # (segment id, field, term bytes or None) -> (value, size)
        self._bytes = 0
        self._norm_tables: dict[tuple, list[float]] = {}

    def clear(self) -> None:
        self._cache.clear()
        self._bytes = 0

    def retain(self, searcher) -> None:
        """Forget the segments a merge or a rebuild removed (called when the searcher is reopened)."""
        live = {s.reader().segment().segment_id() for s, _ in searcher.subsearchers or [(searcher, 0)]
                if type(s.reader()) is SegmentReader}
        for key in [k for k in self._cache if k[0] not in live]:
            self._bytes -= self._cache.pop(key)[1]

    def _cached(self, key, load):
        entry = self._cache.get(key)
        if entry is not None:
            self._cache.move_to_end(key)
            return entry[0]
        value, size = load()
        self._cache[key] = (value, size)
        self._bytes += size
        while self._bytes > self.max_bytes and len(self._cache) > 1:
            _, (_, dropped) = self._cache.popitem(last=False)
            self._bytes -= dropped
        return value

    def _norms(self, avgfl: float, B: float, K1: float) -> list[float]:
        """bm25's length normalisation for each length byte (whoosh stores field lengths as one byte)."""
        key = (avgfl, B, K1)
        if key not in self._norm_tables:
            if len(self._norm_tables) >= 16:
                self._norm_tables.clear()
            self._norm_tables[key] = [K1 * ((1 - B) + B * byte_to_length(lb) / avgfl) for lb in range(256)]
        return self._norm_tables[key]

    def _lengths(self, reader, segid, field) -> bytes:
        def load():
            data = postings.lengths(reader, field)
            return data, len(data) + 64
        return self._cached((segid, field, None), load)

    def _postings(self, reader, segid, field, btext):
        """(docnums, pair codes, weights, length bytes) of one term in one segment, deleted docs
        included, or None if absent. A term's BM25 score depends only on the (weight, length byte)
        pair, and a posting list has few distinct pairs: scoring maps the codes through a table of
        per-pair scores, in C. Filter fields ("kind") keep the docnums only."""
        def load():
            entry = postings.postings(reader, field, btext)
            if entry is None:
                return None, 64
            ids, weights = entry
            if field not in FIELDS:
                return (ids, None, None, None), 4 * len(ids) + 200
            keys = list(zip(weights, map(self._lengths(reader, segid, field).__getitem__, ids)))
            pairs = {pair: i for i, pair in enumerate(dict.fromkeys(keys))}
            codes = array("H" if len(pairs) < 1 << 16 else "I", map(pairs.__getitem__, keys))
            tfs, lbs = array("f", (tf for tf, _ in pairs)), bytes(lb for _, lb in pairs)
            return (ids, codes, tfs, lbs), 4 * len(ids) + codes.itemsize * len(codes) + 5 * len(pairs) + 300
        return self._cached((segid, field, btext), load)

    def _kind_mask(self, reader, segid, kinds: tuple) -> tuple[bytes, array]:
        """(1 per doc of one of ``kinds``, docnums of the others) for one segment."""
        def load():
            mask = bytearray(reader.doc_count_all())
            for k in kinds:
                entry = self._postings(reader, segid, "kind", reader.schema["kind"].to_bytes(k))
                for d in entry[0] if entry else ():
                    mask[d] = 1
            others = array("I", (d for d, ok in enumerate(mask) if not ok))
            return (bytes(mask), others), len(mask) + 4 * len(others) + 200
        return self._cached((segid, "kind", kinds), load)

    def rank(self, searcher, terms: list, kinds: list[str], n: int) -> tuple[list, int]:
        """(top ``n`` [(score, docnum)] in whoosh's order, exact number of matching docs)."""
        weighting, schema = searcher.weighting, searcher.schema
        if type(weighting) is not BM25F or weighting._field_B or not all(schema[f].scorable for f in FIELDS):
            raise Unsupported("weighting")
        K1, B = weighting.K1, weighting.B
        btexts = [schema[t.fieldname].to_bytes(t.text) for t in terms]
        norms = {f: self._norms(searcher.avg_field_length(f) or 1, B, K1) for f in {t.fieldname for t in terms}}
        candidates, total = [], 0
        for sub, offset in searcher.subsearchers or [(searcher, 0)]:
            reader = sub.reader()
            if type(reader) is EmptyReader:
                continue
            if type(reader) is not SegmentReader:
                raise Unsupported("reader %r" % type(reader).__name__)
            segid = reader.segment().segment_id()
            nodes = []
            for t, bt in zip(terms, btexts):
                entry = self._postings(reader, segid, t.fieldname, bt)
                if entry is None:
                    nodes.append((0, None))
                    continue
                ids, codes, tfs, lbs = entry
                idf = searcher.idf(t.fieldname, bt)  # cached by the searcher; as whoosh, only for present terms
                table = _scores(tfs, lbs, idf, norms[t.fieldname], t.boost, K1)
                nodes.append((len(ids), dict(zip(ids, map(table.__getitem__, codes)))))
            acc = _combine(nodes, reader.doc_count_all())
            if not acc:
                continue
            if reader.has_deletions():
                acc = _drop(acc, reader.deleted_docs_set)
            if kinds:
                mask, others = self._kind_mask(reader, segid, tuple(kinds))
                acc = _drop(acc, others) if len(others) < len(acc) else {d: s for d, s in acc.items() if mask[d]}
            total += len(acc)
            candidates.extend((s, d + offset) for s, d in _top(acc, n))
        candidates.sort(key=lambda c: (-c[0], c[1]))
        return candidates[:n], total


def _scores(tfs, lbs, idf: float, norm: list, boost: float, K1: float) -> list[float]:
    """whoosh.scoring.bm25, times the Term's boost as WrappingMatcher does, for each (weight, length byte)."""
    k1p1 = K1 + 1
    if boost == 1.0:
        return [idf * ((tf * k1p1) / (tf + norm[lb])) for tf, lb in zip(tfs, lbs)]
    return [idf * ((tf * k1p1) / (tf + norm[lb])) * boost for tf, lb in zip(tfs, lbs)]


def _drop(acc: dict, docs) -> dict:
    if len(docs) < len(acc):
        for d in docs:
            acc.pop(d, None)
        return acc
    return {d: s for d, s in acc.items() if d not in docs}


def _top(acc: dict, n: int) -> list[tuple[float, int]]:
    """The ``n`` best (score, docnum): score descending, then docnum ascending, like TopCollector."""
    items = acc.items()
    if len(acc) > n:
        items = compress(items, map(nlargest(n, acc.values())[-1].__le__, acc.values()))
    return sorted(((s, d) for d, s in items), key=lambda c: (-c[0], c[1]))[:n]


def _combine(nodes: list, doccount: int) -> dict:
    """Sum per-term scores in the order whoosh's Or matcher adds them (float addition is not associative).

    Or._matcher picks PreloadedOr (a running sum in query order) for 3+ clauses on a segment of at
    most 5000 docs, else DefaultOr's huffman tree over the segment's doc frequencies; ties keep
    their order (matchers compare equal), and insort puts a merged node after equal weights."""
    if len(nodes) == 1:
        return nodes[0][1] or {}
    if len(nodes) >= Q.Or.TOO_MANY_CLAUSES or (len(nodes) > 2 and doccount <= 5000):
        acc = None
        for _, scores in nodes:
            acc = _union(acc, scores)  # ((0 + s1) + s2) + s3..., as ArrayUnionMatcher's array
        return acc or {}
    ls = sorted(nodes, key=_WEIGHT)
    while len(ls) > 1:
        (wa, a), (wb, b) = ls.pop(0), ls.pop(0)
        insort(ls, (wa + wb, _union(a, b)), key=_WEIGHT)
    return ls[0][1] or {}


def _union(a: dict | None, b: dict | None) -> dict | None:
    """UnionMatcher's score: a + b where both match, else the one that does (a + b == b + a)."""
    if not a or not b:
        return a or b
    both = {d: a[d] + b[d] for d in a.keys() & b.keys()}
    if len(a) < len(b):
        a, b = b, a
    a.update(b)
    a.update(both)
    return a
