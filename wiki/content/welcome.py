"""The home page a new wiki starts with, so that its address does not answer "no such page".

`bocage init` writes it through save_page, in the instance's language, when it creates the folder.
An existing page of that name is never touched.
"""
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from ..db import database
from ..models import Page
from .pages import save_page


def home_page_source(instance) -> str:
    """The welcome text, in the current locale (Markdown; the title is its first heading)."""
    return "\n\n".join([
        _("# Welcome to the wiki of %(name)s", name=instance.name),
        _("This wiki belongs to the people of %(name)s and to everyone who cares about it. "
          "**Anyone can read, write and correct its pages**, without asking for permission: "
          "useful services, places where people meet, local initiatives, events…", name=instance.name),
        _("## How to write here"),
        _("- To change a page, press **Edit** at the top of it, write, then press **Save**. "
          "Start with this one: tell visitors what this wiki is about.\n"
          "- To create a page, write its name between double square brackets in a page, for example "
          "`[[Village hall]]`, save, then follow the red link.\n"
          "- A few signs are enough to format a text: `## Title` at the start of a line, "
          "`**bold**`, a hyphen at the start of a line for a list."),
        _("Nothing is ever lost: every change is kept in the page's history, and an earlier version "
          "can be restored at any time. So don't be afraid to try!"),
        _("## Getting started together"),
        _("- [[How to contribute]]: a page to write first, to welcome the next contributors.\n"
          "- [[Wiki party guide]]: organise an afternoon where everyone writes together, "
          "even on a phone."),
    ]) + "\n"


def create_home_page(app: Flask) -> bool:
    """Write the welcome text as the instance's home page unless that page exists (even in the
    trash); True if it was written. Needs no request: the text is in the instance's language."""
    instance = app.extensions["bocage.instance"]
    with app.app_context(), database.connection_context(), force_locale(instance.language):
        if Page.get_or_none(Page.name == instance.home) is not None:
            return False
        return save_page(instance.home, home_page_source(instance), author=instance.name,
                         comment=_("Home page of the new wiki")).created
