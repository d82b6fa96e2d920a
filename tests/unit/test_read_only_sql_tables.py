"""Which tables a config's read-only query reads: what the Schema Mapper opens it on."""

from __future__ import annotations

import pytest

from dialects.registry import get_dialect
from services.errors import InvalidConfig
from services.read_only_sql import tables_read


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ("SELECT hn, fname FROM patient WHERE sex = '1'", ["patient"]),
        ("SELECT o.vn, p.hn FROM ovst o JOIN patient p ON p.hn = o.hn", ["ovst", "patient"]),
        ("WITH recent AS (SELECT * FROM ovst) SELECT * FROM recent", ["ovst"]),
        ("SELECT hn FROM patient UNION SELECT hn FROM patient_old", ["patient", "patient_old"]),
    ],
)
def test_the_tables_a_query_reads_in_order_without_its_ctes(sql: str, tables: list[str]) -> None:
    assert tables_read(sql, get_dialect("mysql")) == tables


def test_a_query_that_writes_is_refused_before_its_tables_are_read() -> None:
    with pytest.raises(InvalidConfig, match="must be a SELECT, not DELETE"):
        tables_read("DELETE FROM patient", get_dialect("sqlite"))
