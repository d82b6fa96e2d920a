"""VALUE_MAP reading its mapping from a lookup table of a real PostgreSQL datasource."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from data_transformers.registry import run_transformer
from services.context import ServiceContext
from services.errors import InvalidConfig
from services.mapping import resolve_lookups
from tests.factories import register_server

LOOKUP = {"datasource": "ref", "table": "pttype_map", "key_column": "code", "value_column": "name"}


@pytest.fixture
def reference(ctx: ServiceContext, pg_database: URL) -> URL:
    engine = create_engine(pg_database)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE pttype_map (code VARCHAR(2), name TEXT)"))
        connection.execute(
            text("INSERT INTO pttype_map VALUES ('10', 'UC'), ('20', 'ข้าราชการ'), ('30', 'SSS')")
        )
    engine.dispose()
    register_server(ctx, "ref", pg_database)
    return pg_database


def test_lookup_table_becomes_the_mapping(ctx: ServiceContext, reference: URL) -> None:
    params = resolve_lookups(ctx, "VALUE_MAP", {"lookup": LOOKUP, "default": "OTHER"})
    assert params == {
        "mapping": {"10": "UC", "20": "ข้าราชการ", "30": "SSS"},
        "default": "OTHER",
    }
    outcome = run_transformer("VALUE_MAP", pd.Series(["20", " 10", "99", None]), params)
    assert outcome.values.tolist()[:3] == ["ข้าราชการ", "UC", "OTHER"]
    assert pd.isna(outcome.values.iloc[3])


def test_conflicting_keys_and_missing_tables_are_clear_errors(
    ctx: ServiceContext, reference: URL
) -> None:
    engine = create_engine(reference)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO pttype_map VALUES ('10', 'บัตรทอง')"))
    engine.dispose()
    with pytest.raises(InvalidConfig, match="maps 1 keys to more than one value"):
        resolve_lookups(ctx, "VALUE_MAP", {"lookup": LOOKUP})
    with pytest.raises(InvalidConfig, match="Cannot read the lookup table 'nope'"):
        resolve_lookups(ctx, "VALUE_MAP", {"lookup": {**LOOKUP, "table": "nope"}})


def test_value_map_needs_exactly_one_source() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="either 'mapping' or 'lookup'"):
        run_transformer("VALUE_MAP", pd.Series(["10"]), {})
    with pytest.raises(ValidationError, match="either 'mapping' or 'lookup'"):
        run_transformer("VALUE_MAP", pd.Series(["10"]), {"mapping": {}, "lookup": LOOKUP})
