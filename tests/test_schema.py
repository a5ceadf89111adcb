"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL;
connections are pooled on both."""
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


def test_a_closed_connection_goes_back_to_the_pool_and_is_taken_again(app):
    """SQLite and PostgreSQL alike: a request does not open a connection of its own (a
    PostgreSQL connection costs 3-5 ms to open), it takes the one the last request gave back."""
    from playhouse.pool import PooledDatabase
    assert isinstance(database.obj, PooledDatabase)
    seen = []
    for _ in range(3):
        with app.test_request_context("/"):
            database.connect(reuse_if_open=True)
            database.execute_sql("SELECT 1")
            seen.append(database.connection())
            database.close()
    assert seen[0] is seen[1] is seen[2]
