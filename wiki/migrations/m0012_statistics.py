"""Page views per page and day (statistics without tracking). Frozen copy of wiki/stats/models.py."""
from peewee import CharField, DateField, IntegerField, Model


def up(db, migrator):
    class PageViewDay(Model):
        day = DateField()
        page = CharField(max_length=100)
        views = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "page_view_day"
            indexes = ((("day", "page"), True), (("page", "day"), False))

    db.create_tables([PageViewDay])
