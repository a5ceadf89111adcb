"""Lazy translated messages are text, never markup, in templates.

flask_babel's LazyString (what `lazy_gettext` returns) defines `__html__` as `str(self)`, so
Jinja's autoescape takes it for safe markup and prints it as it is. Our lazy messages carry what
people typed or sent (“%(value)s” is not a rule…, Revision %(id)s does not exist…, page names):
printed raw, `?to=<svg/onload=…>` on a diff ran in the reader's browser. No message of ours is
meant as markup (templates write their own tags), so a lazy string is escaped like any text.
"""
from flask_babel.speaklater import LazyString
from markupsafe import escape


def _as_text(self):
    return escape(str(self))


def init_app(app) -> None:
    LazyString.__html__ = _as_text
