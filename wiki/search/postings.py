"""Whole posting lists and field lengths of one whoosh segment (W3 codec), read for ranking.py.

whoosh reads postings one matcher step at a time; ranking wants a term's (docnum, weight) pairs at
once. A W3 block is a zlib-compressed pickle of (docnum deltas, weights, positions), and the positions
(pickled as 128 _codecs.encode calls) are ~90% of its unpickling time and most of its bytes, so a
block is decompressed and unpickled only up to them, checked, and read whole if anything looks off.
"""
from __future__ import annotations

import zlib
from array import array
from itertools import accumulate
from pickle import loads

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.reading import TermNotFound

# A protocol-2 pickle of a tuple of bytes values starts with MARK then this global (_codecs.encode);
# the docnum and weight tuples before it are made of int and float opcodes, which never spell it.
_POSITIONS = b"(c_codecs\nencode\n"
_CUT = b"N\x87."  # None for the positions, TUPLE3, STOP
_STEP = 2048  # decompressed bytes at a time


class Unsupported(Exception):
    """Not an index layout (or, for ranking.py, a weighting) reproduced here: let whoosh do it."""


def lengths(reader, field: str) -> bytes:
    """Length byte of ``field`` for each doc of the segment (0: none), as doc_field_length() reads them."""
    dc = reader.doc_count_all()
    col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if col is None:
        raise Unsupported("no length column for %s" % field)
    raw = bytes(col._dbfile.get(col._basepos, min(col._count, dc))) if col._count else b""
    return raw + bytes(dc - len(raw))


def postings(reader, field: str, btext: bytes) -> tuple[array, array] | None:
    """(docnums, weights) of a term in the segment, deleted documents included; None if absent."""
    try:
        info = reader._terms.term_info(field, btext)
    except TermNotFound:
        return None
    ids, weights = array("I"), array("f")
    if info.is_inlined():
        i, w, _ = info.inlined_postings()
        ids.extend(i)
        weights.extend(w if w is not None else [1.0] * len(i))
    else:
        m = reader._terms.matcher(field, btext, reader.schema[field].format)
        if type(m) is not W3LeafMatcher:
            raise Unsupported("postings matcher %r" % type(m).__name__)
        while m.is_active():
            block_ids, block_weights = _block(m)
            ids.extend(block_ids if m._byteids else accumulate(block_ids))
            n = m._blocklength
            if block_weights is None:
                weights.extend([1.0] * n)
            elif isinstance(block_weights, float):
                weights.extend([block_weights] * n)
            else:
                weights.extend(block_weights)
            m._next_block()
    if len(ids) != len(weights):
        raise Unsupported("postings of %s:%r" % (field, btext))
    return ids, weights


def _block(m: W3LeafMatcher) -> tuple:
    """(docnums or deltas, weights) of the matcher's current block, as W3LeafMatcher._read_data() has them."""
    data = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
    raw = data
    if m._compression:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(data, _STEP)
        while _POSITIONS not in raw and (inflate.unconsumed_tail or not inflate.eof):
            more = inflate.decompress(inflate.unconsumed_tail, _STEP)
            if not more:
                break
            raw += more
    cut = raw.find(_POSITIONS)
    if cut > 0:
        try:
            ids, weights, _ = loads(raw[:cut] + _CUT)
            if type(ids) is tuple and len(ids) == m._blocklength and (
                    weights is None or isinstance(weights, float) or len(weights) == len(ids)):
                return ids, weights
        except Exception:
            pass
    m._read_data()  # anything unexpected: whoosh's own way
    return m._data[0], m._data[1]
