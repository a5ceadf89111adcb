"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from wiki.db import database
from wiki.migrations import applied, available, migrate
from wiki.models import ALL_MODELS


def test_migrations_match_the_models(ctx):
    db = database.obj
    for model in ALL_MODELS:
        table = model._meta.table_name
        assert db.table_exists(table), table
        columns = {c.name for c in db.get_columns(table)}
        expected = {f.column_name for f in model._meta.sorted_fields}
        assert columns == expected, (table, columns ^ expected)
        indexes = {tuple(i.columns) for i in db.get_indexes(table)}
        for fields, _unique in model._meta.indexes:
            cols = tuple(model._meta.fields[f].column_name for f in fields)
            assert cols in indexes, (table, cols)


def test_every_migration_is_recorded_and_rerunning_is_a_no_op(ctx):
    assert applied() == {v for v, _ in available()}
    assert migrate() == []
