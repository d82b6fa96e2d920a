"""Checkpoints commit with their batch or not at all, on SQLite, MariaDB and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from services.migration.checkpoints import CheckpointManager


@pytest.fixture(params=["sqlite", "mysql", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'target.sqlite'}"
    else:
        url = request.getfixturevalue(
            {"mysql": "mysql_database", "postgresql": "pg_database"}[request.param]
        )
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE visit (vn VARCHAR(13) PRIMARY KEY, hn TEXT)"))
    yield engine
    engine.dispose()


def visits(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT vn FROM visit ORDER BY vn")).scalars())


def test_round_trip_overwrite_and_clear(target: Engine) -> None:
    manager = CheckpointManager()
    with target.begin() as connection:
        assert manager.load(connection, "ovst") is None  # no table yet: start afresh
        manager.ensure_table(connection)
        manager.ensure_table(connection)  # idempotent
        manager.save(connection, "ovst", last_key=("660314080001",), rows_done=5000, batches_done=1)
        manager.save(
            connection, "ovst", last_key=("660401083001",), rows_done=10000, batches_done=2
        )
        manager.save(connection, "patient", last_key=(42, "สมศักดิ์"), rows_done=7, batches_done=1)
    with target.connect() as connection:
        ovst = manager.load(connection, "ovst")
        patient = manager.load(connection, "patient")
    assert ovst is not None and patient is not None
    assert (ovst.last_key, ovst.rows_done, ovst.batches_done) == (("660401083001",), 10000, 2)
    assert patient.last_key == (42, "สมศักดิ์")
    assert ovst.updated_at.tzinfo is not None
    with target.begin() as connection:
        manager.clear(connection, "ovst")
    with target.connect() as connection:
        assert manager.load(connection, "ovst") is None
        assert manager.load(connection, "patient") is not None


def test_checkpoint_and_batch_commit_together_or_not_at_all(target: Engine) -> None:
    manager = CheckpointManager()
    with target.begin() as connection:
        manager.ensure_table(connection)
    with target.begin() as connection:
        connection.execute(text("INSERT INTO visit VALUES ('0001', 'a'), ('0002', 'b')"))
        manager.save(connection, "ovst", last_key=("0002",), rows_done=2, batches_done=1)
    with pytest.raises(RuntimeError), target.begin() as connection:
        connection.execute(text("INSERT INTO visit VALUES ('0003', 'c'), ('0004', 'd')"))
        manager.save(connection, "ovst", last_key=("0004",), rows_done=4, batches_done=2)
        raise RuntimeError("killed between the batch and the commit")
    # The failed batch and its checkpoint are both gone: resuming from "0002" loads 0003 again.
    assert visits(target) == ["0001", "0002"]
    with target.connect() as connection:
        checkpoint = manager.load(connection, "ovst")
    assert checkpoint is not None
    assert (checkpoint.last_key, checkpoint.rows_done) == (("0002",), 2)
