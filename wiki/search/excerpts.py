"""Excerpts for search hits: one or two ~200-character windows of the stored text around its first
matches, HTML-escaped, with <mark> around the tokens that analyse to a query term.

Every hit of a results page gets one, so the cost must not grow with the text: analysing a whole
3-20k-character text costs 0.3-2 ms. Snowball French only rewrites a word's end, so a token can match
a term only if its folded spelling starts like the term: one regex (accents and case unfolded) finds
those candidates in C, only they are analysed (once per process), and the scan stops early.
"""
from __future__ import annotations

import html
import re
import sys
from functools import lru_cache
from heapq import nlargest

EXCERPT_CHARS = 200
SURROUND = 60  # context before a match, and after the last one of a window
MAX_MATCHES = 12  # windows are made from the first matches only
CHUNK = 1000  # characters searched for them first
MAX_WORDS = 20_000  # analysed tokens kept (~2 MB)

_OTHER = r"[^\W\x00-\xff]"  # a word character past U+00FF
_WORD_START = re.compile(r"(?<!\w)\w")
_HAS_WORD = re.compile(r"\w")


def leading(text: str) -> str:
    """The start of the text, for hits without a match in it (title-only matches)."""
    cut = text if len(text) <= EXCERPT_CHARS else (text[:EXCERPT_CHARS].rsplit(" ", 1)[0] or text[:EXCERPT_CHARS])
    return html.escape(cut) + (" …" if cut != text else "")


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"  # exactly re's \w for str patterns


class _Sources(dict):
    """Folded form -> the Latin-1 word characters that lowercase and fold to it; hashable by identity
    (one per fold table) so that the regex pieces built from it can be memoised."""
    __hash__ = object.__hash__
    __eq__ = object.__eq__


def fold_sources(fold: dict) -> _Sources:
    """What the analyzer's lowercasing and ``fold`` table make of each Latin-1 word character."""
    sources = _Sources()
    for ch in map(chr, range(256)):
        if _is_word(ch):
            key = ch.lower().translate(fold)
            if key:
                sources[key] = sources.get(key, "") + ch
    return sources


@lru_cache(maxsize=1024)
def _class(chars: str, other: bool = False) -> str:
    """A regex class of ``chars``, or of their Latin-1 ones and every character past U+00FF if
    ``other``, written as ranges: re compiles Latin-1 classes to a 256-bit map, fast (a class with a
    few dozen characters past U+00FF costs ~0.3 ms)."""
    points = {ord(c) for c in chars}
    if other:
        points = set(range(256)) - points  # negated
    ranges: list[list[int]] = []
    for cp in sorted(points):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(_esc(lo) if lo == hi else "%s-%s" % (_esc(lo), _esc(hi)) for lo, hi in ranges)
    return "[%s%s]" % ("^" if other else "", body)


def _esc(cp: int) -> str:
    return "\\x%02x" % cp if cp < 0x100 else "\\u%04x" % cp if cp < 0x10000 else "\\U%08x" % cp


def candidate_regex(prefixes: frozenset[str], sources: _Sources) -> re.Pattern | None:
    """Tokens whose folded spelling may start with one of the (1-2 character) ``prefixes``: a
    superset, analysis decides. Characters past U+00FF always qualify (œ, ĳ, Cyrillic... may fold to
    anything): classes stay 256-bit maps, which re compiles fast (~50 µs) and scans for fast."""
    branches: dict[str, str] = {}  # regex for the rest -> first characters
    for prefix in prefixes:
        for key, chars in sources.items():
            if key.startswith(prefix):  # the character alone spells the prefix (æ for "ae")
                branches[""] = branches.get("", "") + chars
            elif prefix.startswith(key):
                rest = prefix[len(key):]  # one character: spelt alone or starting a ligature
                rest = "".join(c for k, c in sources.items() if k.startswith(rest)) or rest
                rest = "(?:%s|%s)" % (_class(rest), _OTHER)
                branches[rest] = branches.get(rest, "") + chars
    alts = ["(?<=%s)%s" % (_class(chars), rest) for rest, chars in sorted(branches.items()) if rest]
    alts += ["(?<=%s)" % _class(branches[""])] if "" in branches else []
    alts.append("(?<=%s)" % _OTHER)
    first = _class("".join(branches.values()), other=True)
    # (?<!\w.) and (?<!\w\..): the tokenizer starts no token inside a word or after "x."
    return re.compile(r"%s(?<!\w.)(?<!\w\..)(?:%s)\w*(?:\.\w+)*" % (first, "|".join(alts)))


class Highlighter:
    """Builds excerpts; keeps the analysis of the candidate words seen. Not thread-safe (SearchIndex locks)."""

    def __init__(self, analyzer, fold: dict):
        self._analyzer = analyzer
        self._sources = fold_sources(fold)
        self._stems: dict[str, str | None] = {}  # token -> indexed term (None: stop word)
        self._regexes: dict[frozenset, re.Pattern | None] = {}

    def _stem(self, token: str) -> str | None:
        if len(self._stems) >= MAX_WORDS:
            self._stems.clear()
        toks = [t.text for t in self._analyzer(token, tokenize=False)]
        term = self._stems[token] = sys.intern(toks[0]) if toks else None
        return term

    def _candidates(self, terms: frozenset[str]) -> re.Pattern | None:
        # Snowball French never touches a word's first two letters, except the last letter of the stem
        # (a final "y" becomes "i"): two-letter terms are looked for by their first letter
        prefixes = frozenset(t[:2] if len(t) > 2 else t[:1] for t in terms if t)
        if prefixes not in self._regexes:
            if len(self._regexes) >= 256:
                self._regexes.clear()
            self._regexes[prefixes] = candidate_regex(prefixes, self._sources)
        return self._regexes[prefixes]

    def _classify(self, text: str, terms: frozenset[str], rx: re.Pattern, words: dict, start: int, end: int) -> None:
        """Add to ``words`` the candidate tokens of text[start:end] that analyse to one of ``terms``."""
        stems = self._stems
        for token in set(rx.findall(text, start, end)):
            term = stems[token] if token in stems else self._stem(token)
            if term is not None and term in terms:
                words[token] = term

    def _scan(self, text: str, terms: frozenset[str], limit: int) -> tuple[list, dict, int]:
        """(first ``limit`` matches, matched token -> term, end of the part of the text scanned).

        The candidate tokens of the first CHUNK characters are classified (re.findall, in C), then of
        twice as many, and so on, until there are ``limit`` occurrences, or enough for two windows
        and two different terms (all the query's words rarely appear); scanning costs ~15 ns a character."""
        rx, words, pos, size, n = self._candidates(terms), {}, 0, CHUNK, len(text)
        if rx is None:
            return [], words, n
        while True:
            end = text.find(" ", pos + size) if n - pos >= 2 * size else -1  # tokens have no spaces
            end = n if end < 0 else end
            self._classify(text, terms, rx, words, pos, end)
            found = _occurrences(text, words, 0, end, limit)
            if end >= n or len(found) >= limit or (len({t for _, _, t in found}) >= min(2, len(terms))
                                                   and len(_windows(text, found)) >= 2):
                return found, words, end
            pos, size = end, 2 * size

    def matches(self, text: str, terms: frozenset[str], limit: int = MAX_MATCHES) -> list[tuple[int, int, str]]:
        """The first ``limit`` (start, end, term) of the tokens of ``text`` that analyse to one of ``terms``."""
        return self._scan(text, terms, limit)[0]

    def excerpt(self, text: str, terms: frozenset[str]) -> str:
        """HTML-safe: escaped text, <mark> around matched words, "…" where the text was cut."""
        if not text or not terms:
            return leading(text or "")
        found, words, scanned = self._scan(text, terms, MAX_MATCHES)
        if not found:
            return leading(text)
        windows = _windows(text, found)
        best = sorted(nlargest(2, windows, key=lambda w: (len(w[2]) * len({t for _, _, t in w[2]}), -w[0])))
        out, s, pos = [], None, None
        for start, end, marks in best:
            start, end = _snap(text, start, end, marks[0][0], marks[-1][1])
            if marks[-1] is found[-1] and (len(found) == MAX_MATCHES or end > scanned):
                self._classify(text, terms, self._candidates(terms), words, found[-1][1], end)
                marks = marks + _occurrences(text, words, found[-1][1], end, len(text))  # not searched yet
            if pos is None:
                s = start
            else:
                gap = text[pos:start]
                out.append(html.escape(gap) if not _HAS_WORD.search(gap) else " … ")
            out.append(_render(text, start, end, marks))
            pos = end
        head = "… " if _HAS_WORD.search(text, 0, s) else html.escape(text[:s].lstrip()[-20:])
        tail = " …" if _HAS_WORD.search(text, pos) else html.escape(text[pos:].rstrip()[:20])
        return head + "".join(out) + tail


def _is_token(text: str, s: int, e: int) -> bool:
    """Whether text[s:e] is a whole token: none goes on before (a word character, or "x.") nor after."""
    if s and (_is_word(text[s - 1]) or (text[s - 1] == "." and s >= 2 and _is_word(text[s - 2]))):
        return False
    return e == len(text) or not (_is_word(text[e]) or (text[e] == "." and e + 1 < len(text) and _is_word(text[e + 1])))


def _occurrences(text: str, words: dict, start: int, end: int, limit: int) -> list[tuple[int, int, str]]:
    """(start, end, term) of the whole-token occurrences of ``words`` in text[start:end], in order."""
    out = []
    for word, term in words.items():
        size, p, k = len(word), text.find(word, start, end), 0
        while p >= 0 and k < limit:
            if _is_token(text, p, p + size):
                out.append((p, p + size, term))
                k += 1
            p = text.find(word, p + 1, end)
    out.sort()
    return out[:limit]


def _windows(text: str, found: list) -> list[tuple[int, int, list]]:
    """Consecutive windows over the matches: a window takes the next match while it starts within
    SURROUND characters of the previous one and ends within EXCERPT_CHARS of the window's start, then
    any match inside SURROUND characters more; windows never overlap (_snap trims them to words)."""
    out, i, floor, n = [], 0, 0, len(found)
    while i < n:
        start = max(floor, found[i][0] - SURROUND)
        j = i
        while j + 1 < n and found[j + 1][0] - found[j][1] <= SURROUND and found[j + 1][1] - start <= EXCERPT_CHARS:
            j += 1
        end = min(len(text), max(found[j][1] + SURROUND, start + EXCERPT_CHARS))
        while j + 1 < n and found[j + 1][1] <= end:
            j += 1
        if j + 1 < n and found[j + 1][0] < end:
            end = found[j + 1][0]  # never cut a match
        out.append((start, end, found[i:j + 1]))
        floor, i = end, j + 1
    return out


def _snap(text: str, start: int, end: int, first: int, last: int) -> tuple[int, int]:
    """A window trimmed to whole words, like whoosh's fragments: from a word start at or after
    ``start`` (``first``, the first match, at the latest) to a word end at or before ``end``."""
    m = _WORD_START.search(text, start, first + 1)
    start = m.start() if m else first
    if end < len(text) and _is_word(text[end]) and _is_word(text[end - 1]):
        while end > last and _is_word(text[end - 1]):
            end -= 1
    while end > last and not _is_word(text[end - 1]):
        end -= 1
    return start, end


def _render(text: str, start: int, end: int, marks: list) -> str:
    out, pos = [], start
    for s, e, _ in marks:
        out.append(html.escape(text[pos:s]))
        out.append("<mark>%s</mark>" % html.escape(text[s:e]))
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)
