"""Column pairs the saved configs confirmed or rejected, and the suggester's latest offers."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.common import new_id, utc_now
from models.mapping_knowledge import ColumnPair, KnownPair, OfferedPair, name_key
from repositories.base import row_to_model
from repositories.orm import Base, MappingOfferRow, MappingPairRow

# INSERT … ON CONFLICT DO UPDATE: the store counts, so two savers never lose a count between
# them, and neither meets a UNIQUE violation when both create one pair at the same moment.
_UPSERT_INSERTS: dict[str, Callable[..., Any]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


class SqlMappingKnowledgeRepository:
    """`protocols.repository.MappingKnowledgeRepository` on the metadata store; never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert_confirmed(
        self,
        pair: ColumnPair,
        *,
        transformers: list[dict[str, Any]],
        config_name: str,
        config_version: int,
    ) -> None:
        """Count one more config version mapping `pair`; its transformers and config are the
        latest ones, its names as that config writes them."""
        latest = {
            **pair.names(),
            "transformers": transformers,
            "config_name": config_name,
            "config_version": config_version,
            "updated_at": utc_now(),
        }
        self._upsert(
            MappingPairRow,
            pair.keys(),
            created={**latest, "confirmed": 1, "rejected": 0},
            changed={**latest, "confirmed": MappingPairRow.confirmed + 1},
        )

    def add_rejection(self, pair: ColumnPair) -> None:
        """Count one more rejected offer of `pair` (a pair never confirmed starts at 0)."""
        self._upsert(
            MappingPairRow,
            pair.keys(),
            created={**pair.names(), "transformers": [], "confirmed": 0, "rejected": 1},
            changed={"rejected": MappingPairRow.rejected + 1, "updated_at": utc_now()},
        )

    def pairs_for_columns(
        self, source_columns: Collection[str], *, target_table: str | None = None
    ) -> list[KnownPair]:
        """Every known pair from one of `source_columns`, of any source table (tables get
        renamed); only those into `target_table` when given."""
        keys = sorted({name_key(column) for column in source_columns})
        if not keys:
            return []
        query = select(MappingPairRow).where(MappingPairRow.source_column_key.in_(keys))
        if target_table is not None:
            query = query.where(MappingPairRow.target_table_key == name_key(target_table))
        query = query.order_by(
            MappingPairRow.source_column_key,
            MappingPairRow.target_table_key,
            MappingPairRow.target_column_key,
            MappingPairRow.source_table_key,
        )
        return [row_to_model(row, KnownPair) for row in self._rows(query)]

    def replace_offers(
        self, source_table: str, target_table: str, offers: list[OfferedPair]
    ) -> None:
        """Make `offers` the only ones recorded for (`source_table`, `target_table`)."""
        self.clear_offers(source_table, target_table)
        for offer in offers:
            names = {
                "source_table": offer.source_table,
                "source_column": offer.source_column,
                "target_table": offer.target_table,
                "target_column": offer.target_column,
                "offered_at": offer.offered_at,
            }
            keys = {
                "source_table_key": name_key(offer.source_table),
                "target_table_key": name_key(offer.target_table),
                "source_column_key": name_key(offer.source_column),
            }
            # Upserted: a concurrent replace of the same tables' offers must not fail on them.
            self._upsert(MappingOfferRow, keys, created={**names, "id": offer.id}, changed=names)

    def offers_for(self, source_table: str, target_table: str) -> list[OfferedPair]:
        """The offers recorded for (`source_table`, `target_table`), by source column."""
        query = (
            select(MappingOfferRow)
            .where(*_offer_tables(source_table, target_table))
            .order_by(MappingOfferRow.source_column_key)
        )
        return [row_to_model(row, OfferedPair) for row in self._rows(query)]

    def clear_offers(self, source_table: str, target_table: str) -> None:
        """Forget the offers recorded for (`source_table`, `target_table`)."""
        self.session.execute(
            delete(MappingOfferRow)
            .where(*_offer_tables(source_table, target_table))
            .execution_options(synchronize_session=False)
        )

    def _rows(self, query: Any) -> list[Any]:
        # The upserts bypass the session: rows it loaded earlier are read afresh, not reused.
        return list(self.session.scalars(query.execution_options(populate_existing=True)))

    def _upsert(
        self,
        row_type: type[Base],
        keys: dict[str, str],
        *,
        created: dict[str, Any],
        changed: dict[str, Any],
    ) -> None:
        """INSERT the row of `keys` with `created`, or, when it exists, UPDATE it with `changed`."""
        dialect = self.session.get_bind().dialect.name
        insert = _UPSERT_INSERTS.get(dialect)
        if insert is None:
            raise NotImplementedError(f"no metadata store on {dialect}: SQLite or PostgreSQL")
        statement = insert(row_type).values({"id": new_id(), **keys, **created})
        self.session.execute(
            statement.on_conflict_do_update(index_elements=list(keys), set_=changed)
        )


def _offer_tables(source_table: str, target_table: str) -> list[ColumnElement[bool]]:
    return [
        MappingOfferRow.source_table_key == name_key(source_table),
        MappingOfferRow.target_table_key == name_key(target_table),
    ]
