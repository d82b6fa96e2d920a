"""What saved configs teach the suggester, on each metadata store (SQLite, then PostgreSQL)."""

from __future__ import annotations

import copy
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from models.mapping_knowledge import ColumnPair
from repositories.database import alembic_config, current_revision, upgrade_schema
from repositories.orm import Base
from services import mapping
from services.context import ServiceContext

HN_PAD = {"name": "HN_PAD", "params": {"width": 8}}
KNOWLEDGE_TABLES = {"mapping_pairs", "mapping_offers"}


def config(name: str = "opd_visits", **fields: Any) -> dict[str, Any]:
    """A config of ovst → visits: hn (padded), vstdate, and an ignored column."""
    return {
        "name": name,
        "source_table": "ovst",
        "target_table": "visits",
        "mappings": [
            {"source": "hn", "target": "hn", "transformers": [HN_PAD]},
            {"source": "vstdate", "target": "vstdate"},
            {"source": "old_col", "ignore": True},
        ],
        **fields,
    }


def counts(ctx: ServiceContext, *columns: str, target_table: str | None = None) -> list[tuple]:
    """(source column, target column, confirmed, rejected, config, version) of known pairs."""
    return [
        (p.source_column, p.target_column, p.confirmed, p.rejected, p.config_name, p.config_version)
        for p in mapping.known_pairs(ctx, source_columns=columns, target_table=target_table)
    ]


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_the_migration_downgrades_and_upgrades_cleanly(store_ctx: ServiceContext) -> None:
    engine = store_ctx.store_engine
    mapping.save_config(store_ctx, config())  # a store with knowledge in it
    _downgrade(engine, "0002")
    assert current_revision(engine) == "0002"
    assert KNOWLEDGE_TABLES.isdisjoint(inspect(engine).get_table_names())
    upgrade_schema(engine)
    assert current_revision(engine) == "0003"
    assert KNOWLEDGE_TABLES.issubset(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert mapping.known_pairs(store_ctx, source_columns=["hn"]) == []


def test_saving_through_the_service_records_pairs_and_judges_offers(
    store_ctx: ServiceContext,
) -> None:
    offered = [("hn", "hn"), ("vstdate", "vstdate"), ("cid", None)]
    mapping.record_offers(store_ctx, source_table="OVST", target_table="visits", pairs=offered)
    mapping.save_config(store_ctx, config())
    changed = config()
    changed["mappings"][1]["target"] = "visit_date"
    mapping.record_offers(store_ctx, source_table="ovst", target_table="visits", pairs=offered)
    mapping.save_config(store_ctx, changed)
    mapping.save_config(store_ctx, {**changed, "batch_size": 100})  # the offers are judged once
    assert counts(store_ctx, "HN", "vstdate", "old_col", "cid") == [
        ("hn", "hn", 3, 0, "opd_visits", 3),
        ("vstdate", "visit_date", 2, 0, "opd_visits", 3),
        ("vstdate", "vstdate", 1, 1, "opd_visits", 1),
    ]
    [hn] = mapping.known_pairs(store_ctx, source_columns=["hn"])
    assert (hn.source_table, hn.transformers, hn.updated_at.tzinfo is not None) == (
        "ovst",
        [HN_PAD],
        True,
    )
    with store_ctx.uow() as uow:
        assert uow.mapping_knowledge.offers_for("ovst", "VISITS") == []


def test_lookups_ignore_case_and_the_source_table(store_ctx: ServiceContext) -> None:
    mapping.save_config(
        store_ctx, {**config(), "source_table": "OVST_2540", "target_table": "Visits"}
    )
    mapping.save_config(store_ctx, config("to_opd", target_table="opd"))
    assert [p[:2] for p in counts(store_ctx, "Hn", target_table="VISITS")] == [("hn", "hn")]
    found = mapping.known_pairs(store_ctx, source_columns=["HN"])
    assert [(p.source_table, p.target_table) for p in found] == [
        ("ovst", "opd"),
        ("OVST_2540", "Visits"),
    ]
    assert counts(store_ctx, "hn", target_table="lab") == []


def test_knowledge_is_kept_only_with_a_commit_and_read_back_fresh(
    store_ctx: ServiceContext,
) -> None:
    pair = ColumnPair("ovst", "hn", "visits", "hn")
    with store_ctx.uow() as uow:
        knowledge = uow.mapping_knowledge
        knowledge.upsert_confirmed(pair, transformers=[], config_name="a", config_version=1)
        assert [p.confirmed for p in knowledge.pairs_for_columns(["hn"])] == [1]
        knowledge.upsert_confirmed(pair, transformers=[HN_PAD], config_name="b", config_version=4)
        knowledge.add_rejection(pair)
        [known] = knowledge.pairs_for_columns(["hn"])  # not the row loaded a moment ago
        assert (known.confirmed, known.rejected, known.config_name, known.transformers) == (
            2,
            1,
            "b",
            [HN_PAD],
        )
    assert mapping.known_pairs(store_ctx, source_columns=["hn"]) == []  # never committed


def test_two_units_of_work_confirming_one_new_pair_at_once_both_count(
    store_ctx: ServiceContext,
) -> None:
    pair = ColumnPair("ovst", "hn", "visits", "hn")
    second_done = threading.Event()

    def second() -> None:
        with store_ctx.uow() as uow:
            # Waits for the first one's row (PostgreSQL) or write lock (SQLite), then counts.
            uow.mapping_knowledge.upsert_confirmed(
                pair, transformers=[], config_name="b", config_version=1
            )
            uow.commit()
        second_done.set()

    with store_ctx.uow() as first:
        first.mapping_knowledge.upsert_confirmed(
            pair, transformers=[], config_name="a", config_version=1
        )
        rival = threading.Thread(target=second)
        rival.start()
        assert not second_done.wait(0.5)  # it cannot get past the first one's uncommitted row
        first.commit()
    rival.join(timeout=30)
    assert second_done.is_set()
    assert counts(store_ctx, "hn") == [("hn", "hn", 2, 0, "b", 1)]


def test_two_configs_saved_at_once_confirming_one_pair_count_twice(
    store_ctx: ServiceContext,
) -> None:
    barrier = threading.Barrier(2, timeout=10)

    def save(name: str) -> int:
        data = copy.deepcopy(config(name))
        barrier.wait()
        return mapping.save_config(store_ctx, data).version

    with ThreadPoolExecutor(max_workers=2) as pool:
        versions = list(pool.map(save, ["opd_visits", "er_visits"]))
    assert versions == [1, 1]
    assert [p[:4] for p in counts(store_ctx, "hn", "vstdate")] == [
        ("hn", "hn", 2, 0),
        ("vstdate", "vstdate", 2, 0),
    ]
