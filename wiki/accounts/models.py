"""The tables of people and rights: accounts, groups, one-time links, access rules, the audit log.

Kept apart from wiki/models.py (content) so that each stays short; wiki/models.py lists them all
in ALL_MODELS for the schema test.
"""
from peewee import (CharField, CompositeKey, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from ..db import BaseModel, utcnow

ROLES = ("editor", "moderator", "admin")        # each has the rights of the ones before it


class Account(BaseModel):
    """Someone who signs in. `name_key` is the folded username (unique whatever the case);
    `session_key` changes with the password, which ends every other session of the account."""
    username = CharField(max_length=40)
    name_key = CharField(max_length=40, unique=True)
    email = CharField(max_length=254, null=True, unique=True)     # lower-cased
    password = CharField(max_length=200, default="")               # argon2 hash; "" cannot sign in
    role = CharField(max_length=20, default="editor")
    status = CharField(max_length=20, default="active")            # unconfirmed, active, disabled
    session_key = CharField(max_length=40)
    created = DateTimeField(default=utcnow)
    confirmed = DateTimeField(null=True)
    last_login = DateTimeField(null=True)
    approved_edits = IntegerField(default=0)                       # edits moderators let through


class Group(BaseModel):
    """People an admin puts together (the board, the library team...) to give them rights."""
    name = CharField(max_length=60, unique=True)
    description = CharField(max_length=300, default="")
    created = DateTimeField(default=utcnow)


class Membership(BaseModel):
    group = ForeignKeyField(Group, backref="memberships", on_delete="CASCADE")
    account = ForeignKeyField(Account, backref="memberships", on_delete="CASCADE")

    class Meta:
        primary_key = CompositeKey("group", "account")


class OneTimeLink(BaseModel):
    """E-mail confirmation, password reset and invitation links: only a digest is stored; each
    works once (`used`) and until `expires`."""
    digest = CharField(max_length=64, unique=True)
    purpose = CharField(max_length=20)                             # confirm, reset, invite
    account = ForeignKeyField(Account, null=True, on_delete="CASCADE")
    email = CharField(max_length=254, default="")
    created = DateTimeField(default=utcnow)
    expires = DateTimeField()
    used = DateTimeField(null=True)


class AccessRule(BaseModel):
    """Who may read and who may edit: `target` is "instance", "page:<name>" or "form:<id>";
    a rule is "all", "signed_in", "group:<name>", "moderators" or "admins" (wiki/rights.py)."""
    target = CharField(max_length=150, primary_key=True)
    read = CharField(max_length=80, default="all")
    edit = CharField(max_length=80, default="all")
    updated = DateTimeField(default=utcnow)


class AuditEntry(BaseModel):
    """One administrative action (rights, roles, moderation, blocks, reverts): who, what, when."""
    created = DateTimeField(default=utcnow, index=True)
    actor = CharField(max_length=100)
    account = IntegerField(null=True)
    action = CharField(max_length=60, index=True)
    target = CharField(max_length=300, default="")
    detail = TextField(default="")


class SiteSetting(BaseModel):
    """A setting admins change on the site (the sign-up mode...); instance.toml gives defaults."""
    key = CharField(max_length=60, primary_key=True)
    value = TextField(default="")
    updated = DateTimeField(default=utcnow)


ACCOUNT_MODELS = [Account, Group, Membership, OneTimeLink, AccessRule, AuditEntry, SiteSetting]
