"""French analysis shared by indexing, querying and excerpts, and the Markdown-to-prose step."""
from __future__ import annotations

import html
import re

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

TOKEN_RX = re.compile(r"\w+(?:\.?\w+)*")  # whoosh's default token pattern, without a capturing group

# accent_map lacks the ligatures (users type "oeuvre"). Stop words are compared after folding;
# "été" (summer) and "maïs" (corn) fold onto stop words but matter in rural wikis: keep them.
FOLD = {**accent_map, ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae"}
STOPS = (frozenset(w.translate(FOLD) for w in stopwords_for_language("fr")) - {"ete", "mais"}
         | {"les", "leurs", "cet", "cette", "dont", "ni", "si", "tres"})
# One chain for indexing and querying; folding before stemming makes "mobilite", "Mobilité", "mobilités" meet.
ANALYZER = (RegexTokenizer(TOKEN_RX) | LowercaseFilter() | CharsetFilter(FOLD)
            | StopFilter(stoplist=STOPS, minsize=1) | StemFilter(lang="fr"))


_MD_RULES = [(re.compile(p, re.M | re.S), r) for p, r in [
    (r"<!--.*?-->", " "), (r"<(script|style)\b.*?</\1\s*>", " "), (r"<[^>\n]+>", " "),
    (r"!\[([^\]]*)\]\([^)]*\)", r"\1"), (r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]", r"\1"),
    (r"\[([^\]]*)\]\([^)]*\)", r"\1"), (r"\[([^\]]*)\]\[[^\]]*\]", r"\1"), (r"^\s*\[[^\]]+\]:\s*\S+.*?$", " "),
    (r"^\s{0,3}(?:#{1,6}|>+|[-*+]|\d+[.)])\s+", ""), (r"^\s*(?:```|~~~).*?$", " "),
    (r"^\s*[-*_=|: ]{3,}\s*$", " "), (r"(~~|`+)(\S.*?)\1", r"\2"),
    (r"(?<!\w)(\*{1,3}|_{1,3})(\S.*?)\1(?!\w)", r"\2"), (r"\|", " "),
]]


def plain_text(markdown_source: str) -> str:
    """Strip obvious Markdown/HTML markup so excerpts read like prose (not a full parser)."""
    text = markdown_source or ""
    for rx, repl in _MD_RULES:
        text = rx.sub(repl, text)
    return " ".join(html.unescape(text).split())
