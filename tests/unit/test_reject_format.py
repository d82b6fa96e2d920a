"""How a reject is written down: typed keys that survive the round trip, identifiers told apart,
the place of a stopped row, the keyset SQL of a replay and the upgrade of an old reject table in
every engine's SQL (MSSQL's parsed with sqlglot: there is no MSSQL server here)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import sqlglot
from sqlalchemy.dialects import mssql, mysql, postgresql, sqlite

from dialects.registry import get_dialect
from models.migration_run import RejectedRow
from services.migration.reject_format import decode_key, describe_key, encode_key, stop_place
from services.migration.rejects import RejectStore
from services.migration.source_query import SourceQuery, with_keys

COMPILERS = {
    "mysql": mysql.dialect(),
    "postgresql": postgresql.dialect(),
    "mssql": mssql.dialect(),
    "sqlite": sqlite.dialect(),
}
SQLGLOT = {"mysql": "mysql", "postgresql": "postgres", "mssql": "tsql", "sqlite": "sqlite"}
CID = "1101700234568"  # 13 digits whose last one is the checksum of the first twelve


@pytest.mark.parametrize(
    "key",
    [
        (50,),
        ("HN001", 7),
        (Decimal("1.50"), date(2024, 2, 29)),
        (datetime(2024, 1, 31, 8, 5, 1), time(23, 59)),
        (b"\x00\xff", uuid.UUID(int=5), None, True, 2.5),
        ("ไข้ 'q' \"x\"",),
    ],
)
def test_a_key_comes_back_with_its_types(key: tuple) -> None:
    text = encode_key(key)
    assert decode_key(text) == key
    assert [type(part) for part in decode_key(text)] == [type(part) for part in key]
    assert encode_key(decode_key(text)) == text  # one text per key: rejects of a row match


def test_ints_and_text_stay_plain_json_as_before() -> None:
    assert encode_key((50,)) == "[50]"
    assert encode_key(("A", 3)) == '["A", 3]'
    assert decode_key('["xxxxxxx01"]') == ("xxxxxxx01",)  # an old table's masked key


@pytest.mark.parametrize(
    ("columns", "key", "shown", "identifier"),
    [
        (("id",), (50,), "50", False),
        (("site", "seq"), ("A", 5), "A, 5", False),
        (("hn",), ("000012345",), "xxxxxxx45", True),
        (("cid",), (CID,), "1-1017-xxxxx-xx-8", True),
        (("ref",), (CID,), "1-1017-xxxxx-xx-8", True),  # a citizen ID by its value
        ((), ("xxxxxxx01",), "xxxxxxx01", False),
    ],
)
def test_describe_key(columns: tuple, key: tuple, shown: str, identifier: bool) -> None:
    assert describe_key(columns, key) == (shown, identifier)


def reject(key: tuple, columns: tuple[str, ...]) -> RejectedRow:
    masked, identifier = describe_key(columns, key)
    return RejectedRow(
        key, "d", None, "bad", "transform", 2, 10, columns, masked, key_is_identifier=identifier
    )


def test_stop_place_names_keys_only_when_they_are_no_identifiers() -> None:
    keys = [(41,), (50,), (80,)]
    assert stop_place(reject((50,), ("id",)), keys, 50) == (
        "batch 2 (source keys 41 to 80), row 10 (source row 50 in id order, key 50)"
    )
    hns = [("000000041",), ("000000050",), ("000000080",)]
    assert stop_place(reject(hns[1], ("hn",)), hns, 1050) == (
        "batch 2, row 10 (source row 1,050 in hn order)"
    )
    assert stop_place(reject((), ()), [(), ()], 7) == "batch 2, row 10 (row 7 read from the source)"


@pytest.mark.parametrize("engine", sorted(COMPILERS))
def test_with_keys_reads_exact_composite_keys_in_every_engine(engine: str) -> None:
    dialect = get_dialect(engine)
    query = SourceQuery("SELECT site, vdate, seq FROM visits", ("site", "vdate", "seq"))
    keys = [("A", date(2024, 1, 2), 5), ("B'", date(2024, 1, 3), None)]
    sql = with_keys(query, dialect, COMPILERS[engine], keys).sql
    (parsed,) = sqlglot.parse(sql, read=SQLGLOT[engine])
    assert parsed is not None and parsed.find(sqlglot.exp.Or) is not None
    assert "'B''" in sql and " 5)" in sql and "IS NULL" in sql  # quoted, typed, NULL matched


def test_with_keys_uses_in_for_a_single_column_key() -> None:
    query = SourceQuery("SELECT id FROM t", ("id",))
    sql = with_keys(query, get_dialect("postgresql"), COMPILERS["postgresql"], [(1,), (2,)]).sql
    assert sql == 'SELECT * FROM (SELECT id FROM t) his_src WHERE "id" IN (1, 2)'


@pytest.mark.parametrize("engine", sorted(COMPILERS))
def test_an_old_reject_table_is_upgraded_by_adding_its_missing_columns(engine: str) -> None:
    store = RejectStore(get_dialect(engine))
    old = {"id", "step", "run_id", "source_key", "column_name", "value", "reason", "stage"}
    statements = store.upgrade_sql(COMPILERS[engine], old | {"rejected_at"})
    added = [sqlglot.parse_one(sql, read=SQLGLOT[engine]) for sql in statements]
    names = [node.find(sqlglot.exp.ColumnDef).name for node in added]
    assert names == [
        "batch_number",
        "batch_row",
        "key_columns",
        "resolution",
        "resolved_by",
        "resolved_at",
    ]
    assert store.upgrade_sql(COMPILERS[engine], {c.name for c in store.table.columns}) == []
