"""Keeping spam out without excluding people: no CAPTCHA, a few quiet checks on every edit.

- a honeypot field in the edit forms (templates/antispam/honeypot.html), hidden by CSS;
- edits per minute per address (visitors) and per account (or wiki-party pseudonym);
- a cap on the links an anonymous edit adds;
- a blocklist of words and domains ([antispam] in instance.toml, data/blocklist.txt edited at
  /admin/antispam);
- optionally, the first edits of new accounts (and anonymous edits) held for a moderator
  (wiki/moderation).

All of it is `checks.check_edit`, registered as an edit check of the content layer, so every
route that writes a page or a fiche goes through it. Settings: wiki/antispam/settings.py.
"""
from .checks import HONEYPOT, check_edit, honeypot_filled  # noqa: F401


class State:
    """One instance's anti-spam state: settings, the blocklist, the per-process rate windows."""

    def __init__(self, instance):
        from .blocklist import Holder
        from .ratelimit import SlidingWindow
        from .settings import load_settings
        self.settings = load_settings(instance)
        self.blocklist = Holder(instance.data / "blocklist.txt", self.settings.blocklist_words,
                                self.settings.blocklist_domains)
        self.window = SlidingWindow()


def init_app(app) -> None:
    from flask_babel import lazy_gettext as _l

    from ..content import pages
    from . import views
    app.extensions["bocage.antispam"] = State(app.extensions["bocage.instance"])
    pages.add_edit_check(check_edit)
    app.register_blueprint(views.bp)
    app.extensions.setdefault("bocage.admin_tools", []).append(("antispam.settings", _l("Anti-spam")))
    app.add_template_global(edit_held)


def edit_held() -> bool:
    """Whether this request's change was held for moderation (the form then says so as a notice)."""
    from flask import g
    return bool(g.get("bocage_edit_held"))
