"""Settings admins change on the site (the sign-up mode first). Frozen copy of SiteSetting."""
from peewee import CharField, DateTimeField, Model, TextField


def up(db, migrator):
    class SiteSetting(Model):
        key = CharField(max_length=60, primary_key=True)
        value = TextField(default="")
        updated = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([SiteSetting])
