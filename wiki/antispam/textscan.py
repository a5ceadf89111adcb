"""What an edit adds, as spam filters see it: external links, blocked words, blocked domains.

Counts are compared between the old and the new text so that an edit is judged on what it adds:
a page that already names a blocked word (a page about spam) can still be corrected.
"""
import re
import unicodedata
from collections import Counter

# an external link: a scheme, a protocol-relative //host, or a bare www. address
_HOST = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+"
_URL = re.compile(r"(?i)(?:\b(?:https?|ftp)://[^\s<>\"'()\[\]]+"
                  r"|(?<![\w:/.-])//" + _HOST + r"[^\s<>\"'()\[\]]*"
                  r"|(?<![\w:/.@-])www\." + _HOST + r"[^\s<>\"'()\[\]]*)")
_HOSTNAME = re.compile(r"(?<![\w.@-])(" + _HOST + r")(?![\w-])")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lowercase, accents off, spaces collapsed: "Crédit  RAPIDE" -> "credit rapide"."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    return _SPACES.sub(" ", _COMBINING.sub("", text))


def links(text: str) -> Counter:
    """The external links in a text, counted (the same link twice counts twice)."""
    return Counter(m.group(0).rstrip(".,;:!?").lower() for m in _URL.finditer(text or ""))


def added_links(old: str, new: str) -> int:
    before, after = links(old), links(new)
    return sum(max(0, n - before[url]) for url, n in after.items())


def word_pattern(word: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(fold(word).strip()) + r"(?!\w)")


def hosts(text: str) -> list[str]:
    """Every host name written in a text: in links, bare URLs and plain mentions (folded)."""
    return [m.group(1).strip(".") for m in _HOSTNAME.finditer(fold(text))]


def normal_domain(entry: str) -> str:
    """A blocklist entry as a bare domain: "https://www.Spam.example/x" -> "spam.example"."""
    entry = fold(entry).strip()
    entry = re.sub(r"^[a-z][a-z0-9+.-]*://", "", entry)
    entry = entry.split("/", 1)[0].split(":", 1)[0].lstrip("*.").strip(".")
    return entry[4:] if entry.startswith("www.") else entry


def is_domain(entry: str) -> bool:
    """A blocklist line is a domain when it has a dot and no space ("spam.example")."""
    entry = entry.strip()
    return "." in entry and " " not in entry and bool(re.fullmatch(_HOST, normal_domain(entry)))


def count_domain(found_hosts: list[str], domain: str) -> int:
    return sum(1 for host in found_hosts if host == domain or host.endswith("." + domain))
