"""Page names: the URL-safe key of a page, derived from what people type in links."""
import re

from slugify import slugify

MAX_NAME_LENGTH = 100
_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class InvalidName(ValueError):
    """A page name that cannot be used (empty, too long, or not a slug)."""


def to_name(text: str) -> str:
    """The page name for a title or link text: "Guide de la wiki party" -> "guide-de-la-wiki-party"."""
    return slugify(text or "", max_length=MAX_NAME_LENGTH, word_boundary=True)


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
