"""The suite's own databases: one per xdist worker, named from TEST_DATABASE_URL, marked as the
suite's, dropped at the end; a database the suite did not make is never dropped. Each worker
has its own Redis db too."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import (
    SCRATCH_MARK,
    TEST_DATABASE_URL,
    WORKER,
    _maintenance_engine,
    create_scratch_database,
    drop_scratch_database,
    scratch_database_url,
    worker_redis_url,
)

needs_postgres = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (services mode)")


@pytest.mark.parametrize(("worker", "name"), [("gw0", "fw_ci_gw0"), ("gw1", "fw_ci_gw1"), ("", "fw_ci_main")])
def test_each_worker_has_a_database_named_after_test_database_url(worker, name):
    url = scratch_database_url("postgres://ci:secret@db.example:5433/fw_ci", worker)
    assert url.database == name
    assert (url.drivername, url.username, url.password, url.host, url.port) == (
        "postgresql+psycopg", "ci", "secret", "db.example", 5433)


def test_a_database_name_past_postgresqls_limit_stops_the_run():
    with pytest.raises(pytest.exit.Exception, match="too long"):
        scratch_database_url("postgresql://u@h/" + "x" * 60, "gw0")


@pytest.mark.parametrize(("index", "url"), [(0, "redis://:pw@r:6379/8"), (1, "redis://:pw@r:6379/9"),
                                            (3, "redis://:pw@r:6379/11")])
def test_each_worker_has_the_next_redis_db(index, url):
    assert worker_redis_url("redis://:pw@r:6379/8", index) == url


def test_a_redis_db_past_15_stops_the_run():
    with pytest.raises(pytest.exit.Exception, match="Redis has 0-15"):
        worker_redis_url("redis://r:6379/15", 1)


def database_names(engine: sa.Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database")).all())


@needs_postgres
def test_this_worker_runs_on_its_own_marked_database(app):
    from app.extensions import db

    assert TEST_DATABASE_URL
    expected = scratch_database_url(TEST_DATABASE_URL).database
    assert db.engine.url.database == expected
    engine = _maintenance_engine(scratch_database_url(TEST_DATABASE_URL))
    try:
        assert database_names(engine)[expected] == SCRATCH_MARK
    finally:
        engine.dispose()


@needs_postgres
def test_a_database_the_suite_did_not_make_is_never_dropped():
    assert TEST_DATABASE_URL
    foreign = scratch_database_url(TEST_DATABASE_URL, f"foreign_{WORKER or 'main'}")
    engine = _maintenance_engine(foreign)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{foreign.database}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{foreign.database}"'))
        with pytest.raises(pytest.exit.Exception, match="not one these tests made"):
            create_scratch_database(foreign)
        drop_scratch_database(foreign)
        assert foreign.database in database_names(engine)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{foreign.database}"'))
        engine.dispose()


@needs_postgres
def test_a_leftover_of_an_earlier_run_is_made_anew_and_dropped():
    assert TEST_DATABASE_URL
    scratch = scratch_database_url(TEST_DATABASE_URL, f"leftover_{WORKER or 'main'}")
    engine = _maintenance_engine(scratch)
    try:
        create_scratch_database(scratch)
        table = sa.create_engine(scratch)
        with table.begin() as conn:
            conn.execute(sa.text("CREATE TABLE earlier (id int)"))
        table.dispose()
        create_scratch_database(scratch)  # as the next run does with a crashed run's database
        fresh = sa.create_engine(scratch)
        with fresh.connect() as conn:
            assert "earlier" not in sa.inspect(conn).get_table_names()
        fresh.dispose()
        assert database_names(engine)[scratch.database] == SCRATCH_MARK
        drop_scratch_database(scratch)
        assert scratch.database not in database_names(engine)
    finally:
        drop_scratch_database(scratch)
        engine.dispose()
