"""Lists and maps read covering indexes: entry_value gets its fiche's form (frozen copy), and
the map's index holds the status (fiche rows, with their JSON, are never read for the map).

Counting the values of a list's facets walked every matching fiche and its values through two
joins (32 ms for 5,000 initiatives); with the form on each value and an index on
(form, field, value, entry), the count of a whole form is an index scan (6 ms).
"""
from peewee import CharField
from playhouse.migrate import migrate


def up(db, migrator):
    migrate(
        migrator.add_column("entry_value", "form", CharField(max_length=40, default="")),
        migrator.drop_index("entry_value", "entry_value_field_value"),
    )
    db.execute_sql("UPDATE entry_value SET form = (SELECT entry.form FROM entry "
                   "WHERE entry.page_id = entry_value.entry_id)")
    migrate(migrator.add_index("entry_value", ("form", "field", "value", "entry_id"), False),
            migrator.drop_index("entry", "entry_form_lat_lon"),
            migrator.add_index("entry", ("form", "status", "lat", "lon"), False))
