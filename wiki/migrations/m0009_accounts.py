"""Accounts, groups, one-time links, access rules and the audit log; who made each revision
(account, address hash, wiki party); whose rights an API token carries. Tokens made before
accounts existed were admin tokens: they now belong to an account "admin" made for them
(no password: it signs in through a password reset). Frozen copy of wiki/accounts/models.py."""
import secrets
from datetime import datetime, timezone

from peewee import CharField, CompositeKey, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def up(db, migrator):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Account(Base):
        username = CharField(max_length=40)
        name_key = CharField(max_length=40, unique=True)
        email = CharField(max_length=254, null=True, unique=True)
        password = CharField(max_length=200, default="")
        role = CharField(max_length=20, default="editor")
        status = CharField(max_length=20, default="active")
        session_key = CharField(max_length=40)
        created = DateTimeField()
        confirmed = DateTimeField(null=True)
        last_login = DateTimeField(null=True)
        approved_edits = IntegerField(default=0)

    class Group(Base):
        name = CharField(max_length=60, unique=True)
        description = CharField(max_length=300, default="")
        created = DateTimeField()

    class Membership(Base):
        group = ForeignKeyField(Group, on_delete="CASCADE")
        account = ForeignKeyField(Account, on_delete="CASCADE")

        class Meta:
            primary_key = CompositeKey("group", "account")

    class OneTimeLink(Base):
        digest = CharField(max_length=64, unique=True)
        purpose = CharField(max_length=20)
        account = ForeignKeyField(Account, null=True, on_delete="CASCADE")
        email = CharField(max_length=254, default="")
        created = DateTimeField()
        expires = DateTimeField()
        used = DateTimeField(null=True)

    class AccessRule(Base):
        target = CharField(max_length=150, primary_key=True)
        read = CharField(max_length=80, default="all")
        edit = CharField(max_length=80, default="all")
        updated = DateTimeField()

    class AuditEntry(Base):
        created = DateTimeField(index=True)
        actor = CharField(max_length=100)
        account = IntegerField(null=True)
        action = CharField(max_length=60, index=True)
        target = CharField(max_length=300, default="")
        detail = TextField(default="")

    db.create_tables([Account, Group, Membership, OneTimeLink, AccessRule, AuditEntry])
    from playhouse.migrate import migrate as run
    run(migrator.add_column("revision", "account", IntegerField(null=True)),
        migrator.add_column("revision", "address_hash", CharField(max_length=32, null=True)),
        migrator.add_column("revision", "party", IntegerField(null=True)),
        migrator.add_index("revision", ("account",)),
        migrator.add_index("revision", ("address_hash",)),
        migrator.add_index("revision", ("party",)),
        migrator.add_column("api_token", "account", IntegerField(null=True)),
        migrator.add_index("api_token", ("account",)))
    if db.execute_sql("SELECT COUNT(*) FROM api_token").fetchone()[0]:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        owner = Account.create(username="admin", name_key="admin", role="admin", status="active",
                               session_key=secrets.token_hex(16), created=now, confirmed=now)
        db.execute_sql("UPDATE api_token SET account = %s" % int(owner.id))
