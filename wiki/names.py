"""Page names: the URL-safe key of a page, derived from what people type in links."""
import re
import unicodedata

from slugify import slugify, smart_truncate

MAX_NAME_LENGTH = 100
_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class InvalidName(ValueError):
    """A page name that cannot be used (empty, too long, or not a slug)."""


# -- slugs: python-slugify's output, ten times faster on French text ------------------------------
# python-slugify transliterates every non-ASCII character through unidecode, a Python loop that
# made slugs a sixth of a CSV import. Text that is ASCII once accents are split off (and the few
# typographic signs below are mapped as unidecode maps them) takes the same steps with regexes
# only; anything else ("日本", "&amp;") goes through slugify itself. tests/test_names.py checks
# that both give the same output.
_TYPOGRAPHY = str.maketrans({"’": "", "‘": "", "ʼ": "", "«": " ", "»": " ", "–": " ", "—": " ",
                             "…": " ", "\u00a0": " ", "\u202f": " ", "œ": "oe", "Œ": "OE",
                             "æ": "ae", "Æ": "AE", "ß": "ss", "€": "EUR"})
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_APOSTROPHES = re.compile(r"'+")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")
_DISALLOWED = re.compile(r"[^a-z0-9]+")


def slug(text: str, separator: str = "-", max_length: int = 0, word_boundary: bool = False) -> str:
    """`slugify(text, separator=..., max_length=..., word_boundary=...)`, the same output."""
    text = text or ""
    folded = text if text.isascii() else _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY)))
    if "&" in folded or not folded.isascii():
        return slugify(text, separator=separator, max_length=max_length, word_boundary=word_boundary)
    folded = _DIGIT_COMMA.sub("", _APOSTROPHES.sub("-", folded).lower())
    out = _DISALLOWED.sub("-", folded).strip("-")
    if max_length > 0:
        out = smart_truncate(out, max_length, word_boundary, "-")
    return out.replace("-", separator) if separator != "-" else out


def to_name(text: str) -> str:
    """The page name for a title or link text: "Guide de la wiki party" -> "guide-de-la-wiki-party"."""
    return slug(text, max_length=MAX_NAME_LENGTH, word_boundary=True)


def is_valid_name(name: str) -> bool:
    return bool(name) and len(name) <= MAX_NAME_LENGTH and bool(_NAME_RE.match(name))


def check_name(name: str) -> str:
    """Return `name` if it is canonical, else raise InvalidName (its message is translated by callers)."""
    if not is_valid_name(name):
        raise InvalidName(name)
    return name


def title_from_name(name: str) -> str:
    """A readable default title for a page that has none yet."""
    return name.replace("-", " ").capitalize()
