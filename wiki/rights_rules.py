"""Changing access rules: one way for the admin pages and the `bocage rights` command.

Each change writes (or removes) one AccessRule row, tells every process (rights.rules_changed:
their rules are read again, cached page views dropped), goes in the audit log, and tells
federation which pages visitors may no longer read (or may read again), so that the neighbours
get a Delete (or a Create) for them.
"""
from flask import current_app
from flask_babel import lazy_gettext as _l

from . import events, rights
from .accounts.models import AccessRule, Group
from .content.pages import ContentError
from .db import utcnow
from .models import Page

FEDERATED_PAGES = 2000      # at most this many fiches of a form are re-announced after a change


def groups() -> list[str]:
    return [g.name for g in Group.select(Group.name).order_by(Group.name)]


def choices(target: str, which: int) -> list[str]:
    """The rules an admin may choose for `target` (0 read, 1 edit). The instance is never
    "admins only": a wiki nobody but its admins reads or edits is not one."""
    base = ["all", "signed_in", *(f"group:{name}" for name in groups()), "moderators", "admins"]
    if target == rights.INSTANCE:
        return ["all", "signed_in"] if which == 0 else base[:-1]
    return base


def current(target: str) -> tuple[str, str] | None:
    row = AccessRule.get_or_none(AccessRule.target == target)
    return (row.read, row.edit) if row else None


def check_target(target: str) -> str:
    """`instance`, `page:<name>` or `form:<id>` (a ContentError otherwise)."""
    from .fiches import entries
    kind, _sep, value = target.partition(":")
    if target == rights.INSTANCE:
        return target
    if kind == "page" and value:
        from .content.pages import valid_name
        valid_name(value)
        return target
    if kind == "form" and entries.catalogue().form(value) is not None:
        return target
    raise ContentError(_l("“%(target)s” is not a target: use “instance”, “page:<name>” or "
                          "“form:<id>” (an existing form).", target=target[:120]))


def set_rule(target: str, read: str, edit: str) -> None:
    """Write the rule of `target`; a ContentError (shown with the form kept) if a value is not one
    of the choices."""
    check_target(target)
    for value, which, label in ((read, 0, _l("read")), (edit, 1, _l("edit"))):
        if value not in choices(target, which):
            raise ContentError(_l("“%(value)s” is not a rule for who may %(what)s here: choose one of "
                                  "%(choices)s.", value=value[:80], what=label,
                                  choices=", ".join(choices(target, which))))
    before = current(target)
    if before == (read, edit):
        return
    (AccessRule.insert(target=target, read=read, edit=edit, updated=utcnow())
     .on_conflict(conflict_target=[AccessRule.target], update={AccessRule.read: read,
                                                              AccessRule.edit: edit,
                                                              AccessRule.updated: utcnow()})
     .execute())
    _changed(target, f"read={read} edit={edit}" + (f" (was read={before[0]} edit={before[1]})" if before else ""))


def clear_rule(target: str) -> bool:
    """Remove the rule of a page or form (it follows its form's, or the wiki's, again)."""
    check_target(target)
    before = current(target)
    if before is None:
        return False
    AccessRule.delete().where(AccessRule.target == target).execute()
    _changed(target, f"removed (was read={before[0]} edit={before[1]})")
    return True


def _changed(target: str, detail: str) -> None:
    from . import audit
    rights.rules_changed()
    audit.record("rights.set", target, detail)
    kind, _sep, value = target.partition(":")
    if kind == "page":
        pages = list(Page.select().where(Page.name == value))
    elif kind == "form":
        pages = list(Page.select().where((Page.kind == value) & Page.deleted.is_null())
                     .order_by(Page.id).limit(FEDERATED_PAGES))
    else:
        pages = []            # the whole wiki: federation closes with it (wiki/views/read_guard.py)
    if pages:
        events.rights_changed.send(current_app._get_current_object(), pages=pages)
