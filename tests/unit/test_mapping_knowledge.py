"""The suggester learns from saved configs: confirmed pairs, rejected offers (in-memory store)."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from services import mapping
from services.context import ServiceContext
from services.errors import Conflict
from tests.fakes import FakeStore, RivalFirstUnitOfWork, fake_context


@pytest.fixture
def store() -> FakeStore:
    """An empty in-memory metadata store."""
    return FakeStore()


@pytest.fixture
def ctx(tmp_path: Path, store: FakeStore) -> ServiceContext:
    """A service context on `store` (not the SQLite one of conftest)."""
    return fake_context(tmp_path, store=store)


def item(source: str | None, target: str | None, **fields: Any) -> dict[str, Any]:
    """One mapping item."""
    return {"source": source, "target": target, **fields}


HN_PAD = {"name": "HN_PAD", "params": {"width": 8}}
BUDDHIST = {"name": "BUDDHIST_TO_ISO", "params": {}}

V1: dict[str, Any] = {
    "name": "opd_visits",
    "source_table": "ovst",
    "target_table": "visits",
    "mappings": [
        item("hn", "hn", transformers=[HN_PAD]),
        item("vstdate", "vstdate", transformers=[BUDDHIST]),
        item("cid", "cid"),
        item("old_col", None, ignore=True),
    ],
}


def with_mappings(config: dict[str, Any], *items: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """`config` with other mapping items (and fields)."""
    return {**copy.deepcopy(config), "mappings": list(items), **fields}


def pairs(ctx: ServiceContext, *columns: str, target_table: str | None = None) -> list[tuple]:
    """(source table.column, target table.column, confirmed, rejected, config, version)."""
    return [
        (
            f"{p.source_table}.{p.source_column}",
            f"{p.target_table}.{p.target_column}",
            p.confirmed,
            p.rejected,
            p.config_name,
            p.config_version,
        )
        for p in mapping.known_pairs(ctx, source_columns=columns, target_table=target_table)
    ]


def test_saving_a_config_records_its_pairs_with_transformers_config_and_version(
    ctx: ServiceContext,
) -> None:
    mapping.save_config(ctx, copy.deepcopy(V1))
    found = mapping.known_pairs(ctx, source_columns=["hn", "vstdate", "cid", "old_col"])
    assert [(p.source_column, p.target_column, p.transformers) for p in found] == [
        ("cid", "cid", []),
        ("hn", "hn", [HN_PAD]),
        ("vstdate", "vstdate", [BUDDHIST]),
    ]
    assert {(p.config_name, p.config_version, p.confirmed, p.rejected) for p in found} == {
        ("opd_visits", 1, 1, 0)
    }
    assert {(p.source_table, p.target_table) for p in found} == {("ovst", "visits")}


def test_a_changed_mapping_keeps_the_old_pairs_count_and_confirms_the_new_one(
    ctx: ServiceContext,
) -> None:
    mapping.save_config(ctx, copy.deepcopy(V1))
    hn_pad_10 = {"name": "HN_PAD", "params": {"width": 10}}
    v2 = with_mappings(
        V1, item("hn", "hn", transformers=[hn_pad_10]), item("vstdate", "visit_date")
    )
    mapping.save_config(ctx, v2)
    assert pairs(ctx, "hn", "vstdate") == [
        ("ovst.hn", "visits.hn", 2, 0, "opd_visits", 2),
        ("ovst.vstdate", "visits.visit_date", 1, 0, "opd_visits", 2),
        ("ovst.vstdate", "visits.vstdate", 1, 0, "opd_visits", 1),
    ]
    [hn] = mapping.known_pairs(ctx, source_columns=["hn"])
    assert hn.transformers == [hn_pad_10]  # the latest config's, not the first one's


def test_a_rollback_confirms_the_pairs_of_the_version_it_brings_back(ctx: ServiceContext) -> None:
    mapping.save_config(ctx, copy.deepcopy(V1))
    mapping.save_config(ctx, with_mappings(V1, item("vstdate", "visit_date")))
    mapping.rollback_config(ctx, "opd_visits", 1)
    assert pairs(ctx, "vstdate") == [
        ("ovst.vstdate", "visits.visit_date", 1, 0, "opd_visits", 2),
        ("ovst.vstdate", "visits.vstdate", 2, 0, "opd_visits", 3),
    ]


def test_an_offer_the_user_changed_is_rejected_once_and_the_offers_are_forgotten(
    ctx: ServiceContext,
) -> None:
    offered = [("hn", "hn"), ("vstdate", "vstdate"), ("old_col", "old_col"), ("ward", "ward")]
    mapping.record_offers(ctx, source_table="ovst", target_table="visits", pairs=offered)
    # vstdate goes elsewhere, old_col is ignored, ward is left out altogether.
    saved = with_mappings(
        V1,
        item("hn", "hn"),
        item("vstdate", "visit_date"),
        item("old_col", None, ignore=True),
    )
    mapping.save_config(ctx, saved)
    rejected = [("ovst.vstdate", "visits.vstdate", 0, 1, None, None)]
    assert pairs(ctx, "vstdate") == [
        ("ovst.vstdate", "visits.visit_date", 1, 0, "opd_visits", 1),
        *rejected,
    ]
    assert pairs(ctx, "old_col", "ward") == [
        ("ovst.old_col", "visits.old_col", 0, 1, None, None),
        ("ovst.ward", "visits.ward", 0, 1, None, None),
    ]
    with ctx.uow() as uow:
        assert uow.mapping_knowledge.offers_for("ovst", "visits") == []
    mapping.save_config(ctx, {**copy.deepcopy(saved), "batch_size": 1000})
    assert pairs(ctx, "vstdate")[1:] == rejected  # judged once: no second rejection


def test_an_offer_the_user_kept_is_not_rejected(ctx: ServiceContext) -> None:
    offered = [("hn", "hn"), ("cid", None)]
    mapping.record_offers(ctx, source_table="ovst", target_table="visits", pairs=offered)
    mapping.save_config(ctx, copy.deepcopy(V1))
    assert pairs(ctx, "hn", "cid") == [
        ("ovst.cid", "visits.cid", 1, 0, "opd_visits", 1),  # "no match" offered: nothing to reject
        ("ovst.hn", "visits.hn", 1, 0, "opd_visits", 1),
    ]


def test_offers_are_judged_whatever_the_case_of_the_names(
    ctx: ServiceContext, store: FakeStore
) -> None:
    offered = [("HN", "HN"), ("VstDate", "VSTDATE")]
    mapping.record_offers(ctx, source_table="OVST", target_table="Visits", pairs=offered)
    mapping.save_config(ctx, with_mappings(V1, item("hn", "hn"), item("vstdate", "visit_date")))
    assert stored(store) == [
        ("VstDate", "VSTDATE", 0, 1),  # kept as the suggester wrote it
        ("hn", "hn", 1, 0),
        ("vstdate", "visit_date", 1, 0),
    ]


def test_recording_offers_replaces_the_earlier_ones_of_those_tables(ctx: ServiceContext) -> None:
    mapping.record_offers(
        ctx, source_table="ovst", target_table="visits", pairs=[("hn", "hn"), ("cid", "cid")]
    )
    mapping.record_offers(
        ctx, source_table="ovst", target_table="visits", pairs=[("hn", "hn_old"), ("hn", "hn")]
    )
    mapping.record_offers(ctx, source_table="opd", target_table="visits", pairs=[("x", "y")])
    with ctx.uow() as uow:
        offers = uow.mapping_knowledge.offers_for("OVST", "VISITS")
    assert [(o.source_column, o.target_column) for o in offers] == [("hn", "hn")]


def test_generate_sql_configs_and_sql_expressions_teach_nothing(
    ctx: ServiceContext, store: FakeStore
) -> None:
    mapping.record_offers(ctx, source_table="ovst", target_table="visits", pairs=[("hn", "x")])
    query = with_mappings(
        V1, item("hn", "hn"), source_table=None, generate_sql="SELECT hn FROM ovst"
    )
    mapping.save_config(ctx, query)
    assert stored(store) == []
    expressions = with_mappings(
        V1,
        item("CONCAT(fname, ' ', lname)", "full_name"),
        item("hn || ''", "hn"),
        item("vn", "vn"),
    )
    mapping.save_config(ctx, {**expressions, "name": "named"})
    assert stored(store) == [
        ("hn", "x", 0, 1),  # the offer is judged by the config of these tables, not the query
        ("vn", "vn", 1, 0),
    ]


def test_lookups_ignore_case_and_find_pairs_of_a_renamed_source_table(
    ctx: ServiceContext,
) -> None:
    old = with_mappings(V1, item("HN", "HN"), item("VstDate", "vstdate"), target_table="Visits")
    mapping.save_config(ctx, {**old, "source_table": "OVST_2540"})
    mapping.save_config(ctx, with_mappings(V1, item("hn", "hn"), name="to_opd", target_table="opd"))
    assert pairs(ctx, "hn", target_table="VISITS") == [
        ("OVST_2540.HN", "Visits.HN", 1, 0, "opd_visits", 1)
    ]
    assert [p[1] for p in pairs(ctx, "Hn")] == ["opd.hn", "Visits.HN"]
    assert pairs(ctx, "hn", target_table="lab") == []
    assert mapping.known_pairs(ctx, source_columns=[]) == []


def test_the_same_pair_spelled_twice_counts_once_per_save(ctx: ServiceContext) -> None:
    mapping.save_config(ctx, with_mappings(V1, item("hn", "hn"), item("HN", "HN")))
    assert pairs(ctx, "hn") == [("ovst.hn", "visits.hn", 1, 0, "opd_visits", 1)]


def test_a_save_that_loses_a_race_teaches_nothing(tmp_path: Path) -> None:
    store = FakeStore()
    plain = fake_context(tmp_path, store=store)
    mapping.save_config(plain, copy.deepcopy(V1))
    rival = lambda: mapping.save_config(plain, {**copy.deepcopy(V1), "batch_size": 10})  # noqa: E731
    racing = dataclasses.replace(plain, uow_factory=lambda: RivalFirstUnitOfWork(store, rival))
    with pytest.raises(Conflict):
        mapping.save_config(racing, with_mappings(V1, item("vstdate", "visit_date")))
    assert pairs(plain, "vstdate") == [("ovst.vstdate", "visits.vstdate", 2, 0, "opd_visits", 2)]


def stored(store: FakeStore) -> list[tuple[str, str, int, int]]:
    """Every stored pair: (source column, target column, confirmed, rejected), by name."""
    rows = store.rows["mapping_pairs"].values()
    return sorted(
        (row.source_column, row.target_column, row.confirmed, row.rejected) for row in rows
    )
