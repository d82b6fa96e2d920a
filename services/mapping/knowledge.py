"""What the hospital's own saved configs teach the suggester: pairs confirmed, offers rejected."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from models.mapping_knowledge import ColumnPair, KnownPair, OfferedPair, name_key
from models.migration_config import MigrationConfig
from protocols.repository import UnitOfWork
from services.context import ServiceContext


def learn_from_config(uow: UnitOfWork, config: MigrationConfig, version: int) -> None:
    """Record what saving version `version` of `config` says about its column pairs.

    Every column the config maps as is confirms its pair (with its transformers); every pair
    the suggester offered for these two tables and the config does not map is rejected once,
    and the offers are then forgotten. A generate_sql config, or a source that is an SQL
    expression, teaches nothing: no source column is named. Does not commit: the caller
    (saving the version) does, so the knowledge and the version are stored together.
    """
    if not config.source_table:
        return
    source_table, target_table = config.source_table, config.target_table
    confirmed: dict[tuple[str, ...], tuple[ColumnPair, list[dict[str, Any]]]] = {}
    for item in config.mapped_items():
        if not item.reads_column():
            continue
        pair = ColumnPair(source_table, str(item.source), target_table, str(item.target))
        calls = [call.model_dump(mode="json") for call in item.transformers]
        confirmed.setdefault(pair.key(), (pair, calls))
    rejected: dict[tuple[str, ...], ColumnPair] = {}
    for offer in uow.mapping_knowledge.offers_for(source_table, target_table):
        if offer.target_column is None:
            continue  # "no match" was offered: nothing to reject
        pair = ColumnPair(
            offer.source_table, offer.source_column, offer.target_table, offer.target_column
        )
        if pair.key() not in confirmed:  # mapped elsewhere, ignored or left out
            rejected[pair.key()] = pair
    # In key order, confirmations and rejections alike: two saves touching the same pairs
    # lock their rows in the same order, so neither waits for the other forever (PostgreSQL).
    for key in sorted(confirmed.keys() | rejected.keys()):
        if key in confirmed:
            pair, calls = confirmed[key]
            uow.mapping_knowledge.upsert_confirmed(
                pair, transformers=calls, config_name=config.name, config_version=version
            )
        else:
            uow.mapping_knowledge.add_rejection(rejected[key])
    uow.mapping_knowledge.clear_offers(source_table, target_table)


def record_offers(
    ctx: ServiceContext,
    *,
    source_table: str,
    target_table: str,
    pairs: list[tuple[str, str | None]],
) -> None:
    """Remember what the suggester offered for `source_table` → `target_table`, replacing
    what it offered before: `(source column, target column or None for "no match")`.

    The next save of a config for these tables judges the offers: each one it does not keep
    counts as rejected. A column named twice keeps its last offer.
    """
    offers: dict[str, OfferedPair] = {}
    for source_column, target_column in pairs:
        offer = OfferedPair(source_table, source_column, target_table, target_column)
        offers[name_key(source_column)] = offer
    with ctx.uow() as uow:
        uow.mapping_knowledge.replace_offers(source_table, target_table, list(offers.values()))
        uow.commit()


def known_pairs(
    ctx: ServiceContext, *, source_columns: Collection[str], target_table: str | None = None
) -> list[KnownPair]:
    """What saved configs say about `source_columns` (any case, any source table, since tables
    get renamed): each pair with its confirmed and rejected counts, its latest transformers
    and the config version that last confirmed it; only pairs into `target_table` if given."""
    with ctx.uow() as uow:
        return uow.mapping_knowledge.pairs_for_columns(source_columns, target_table=target_table)
