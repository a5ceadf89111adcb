"""What admins do to accounts and groups: roles, disabling, groups and their members.

Each change is one function that checks its rule (there is always an active admin left; group
names fit in an access rule) and writes its audit entry, whichever page or command calls it.
"""
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError, fn

from .. import audit
from ..db import database, utcnow
from ..render.sanitize import sanitize_text_line
from .models import ROLES, AccessRule, Account, Group, Membership
from .service import AccountError

STATUSES = ("unconfirmed", "active", "disabled")
GROUP_NAME = re.compile(r"^[\w][\w .'-]{0,58}[\w.]$|^\w$")


def _active_admins(excluding: int) -> int:
    return (Account.select().where((Account.role == "admin") & (Account.status == "active")
                                   & (Account.id != excluding)).count())


def set_role(account: Account, role: str) -> bool:
    """Change the role; never leaves the instance without an active admin. False: no change."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role."), "role")
    if role == account.role:
        return False
    with database.atomic():
        if account.role == "admin" and account.status == "active" and not _active_admins(account.id):
            raise AccountError(_l("This is the last admin: make someone else admin first."), "role")
        Account.update(role=role).where(Account.id == account.id).execute()
        audit.record("account.role", account.username, f"{account.role} → {role}")
    account.role = role
    return True


def set_status(account: Account, status: str) -> bool:
    """Disable an account (its sessions and tokens stop working at their next request) or enable
    it (which also confirms an unconfirmed one). Never the last active admin."""
    if status not in ("active", "disabled"):
        raise AccountError(_l("Unknown status."), "status")
    if status == account.status:
        return False
    with database.atomic():
        if (status == "disabled" and account.role == "admin" and account.status == "active"
                and not _active_admins(account.id)):
            raise AccountError(_l("This is the last admin: make someone else admin first."), "status")
        changes = {"status": status}
        if status == "active" and account.confirmed is None:
            changes["confirmed"] = utcnow()
        Account.update(**changes).where(Account.id == account.id).execute()
        audit.record("account.disable" if status == "disabled" else "account.enable", account.username,
                     f"{account.status} → {status}")
    account.status = status
    return True


# -- groups ----------------------------------------------------------------------------------
def clean_group_name(name: str) -> str:
    name = sanitize_text_line(unicodedata.normalize("NFKC", name or "")).strip()
    if not GROUP_NAME.match(name) or "  " in name:
        raise AccountError(_l("A group name has 1 to 60 letters, digits, spaces, dots, dashes or "
                              "apostrophes, and starts and ends with a letter or a digit."), "name")
    return name


def _taken(name: str, but: int | None = None) -> bool:
    query = Group.select().where(fn.LOWER(Group.name) == name.lower())
    if but is not None:
        query = query.where(Group.id != but)
    return query.exists()


def create_group(name: str, description: str = "") -> Group:
    name = clean_group_name(name)
    if _taken(name):
        raise AccountError(_l("There is already a group with this name."), "name")
    try:
        with database.atomic():
            group = Group.create(name=name, description=sanitize_text_line(description or "")[:300],
                                 created=utcnow())
    except IntegrityError:
        raise AccountError(_l("There is already a group with this name."), "name") from None
    audit.record("group.create", name)
    return group


def rename_group(group: Group, name: str, description: str = "") -> None:
    """Rename (and describe) a group; the access rules that name it follow the new name."""
    from ..rights import rules_changed
    name, old = clean_group_name(name), group.name
    if _taken(name, but=group.id):
        raise AccountError(_l("There is already a group with this name."), "name")
    description = sanitize_text_line(description or "")[:300]
    with database.atomic():
        Group.update(name=name, description=description).where(Group.id == group.id).execute()
        moved = 0
        if name != old:
            for column in ("read", "edit"):
                moved += (AccessRule.update({getattr(AccessRule, column): f"group:{name}"})
                          .where(getattr(AccessRule, column) == f"group:{old}").execute())
            audit.record("group.rename", name, f"{old} → {name}")
    if moved:
        rules_changed()
    group.name, group.description = name, description


def delete_group(group: Group) -> None:
    """Delete a group. Rules that name it then let nobody but admins in (closed, never open)."""
    from ..rights import rules_changed
    with database.atomic():
        Membership.delete().where(Membership.group == group.id).execute()
        Group.delete().where(Group.id == group.id).execute()
        audit.record("group.delete", group.name)
    rules_changed()


def add_member(group: Group, account: Account) -> bool:
    if Membership.get_or_none((Membership.group == group.id) & (Membership.account == account.id)):
        return False
    try:
        with database.atomic():
            Membership.create(group=group.id, account=account.id)
    except IntegrityError:          # added by someone else at the same moment
        return False
    audit.record("group.add", group.name, account.username)
    return True


def remove_member(group: Group, account: Account) -> bool:
    removed = Membership.delete().where((Membership.group == group.id)
                                        & (Membership.account == account.id)).execute()
    if removed:
        audit.record("group.remove", group.name, account.username)
    return bool(removed)
