"""Checksums of the rows sent agree exactly with the target's own aggregates on real engines,
and one changed value — a Thai name one character shorter, an amount 0.0001 larger, one
character of a note swapped for another, a day, a float's last bit — is caught on exactly its
column."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from random import Random

import pyarrow as pa
import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Double,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    inspect,
    text,
)
from sqlalchemy.engine import URL

from mini_his.gen_mini_his import dialect_of, engine_for_url
from models.migration_run import ChecksumHash
from services.migration.checksums import (
    ColumnMeasure,
    StreamChecksums,
    compare,
    measures_for,
    subtract,
    target_checksums,
)
from services.migration.hashing import hash_each

metadata = MetaData()
checked = Table(
    "checked",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("big", BigInteger),
    Column("amount", Numeric(12, 4)),
    Column("name", String(200)),
    Column("note", Text),
    Column("day", Date),
    Column("ratio", Double),
    mysql_charset="utf8mb4",
)
COLUMNS = [column.name for column in checked.columns]

NAMES = [
    "สมชาย ใจดี",
    "นาง มาลี 👩\u200d⚕️🏥",
    "trailing spaces   ",
    "line1\nline2\r\n",
    "tab\there",
    "back\\slash",
    "",
    None,
    "ผู้ป่วย  ",
    "ก" * 150,
]
NOTES = ["บันทึกการรักษา " * 40, None, "🙂" * 10 + " ", "x"]
AMOUNTS = [
    Decimal("1234.5678"),
    Decimal("-0.0001"),
    Decimal("99999999.9999"),
    "12.5000",  # numeric text, as a transformer may hand it over
    None,
    Decimal("0.1000"),
    Decimal(7),
]
BIGS = [9_007_199_254_740_993, -9_007_199_254_740_991, True, None, 0, 2**62]  # past 2^53
DAYS = [date(2024, 2, 29), None, date(1900, 1, 1)]
RATIOS = [0.1, None, 1 / 3]
ROWS = [
    (n, BIGS[n % 6], AMOUNTS[n % 7], NAMES[n % 10], NOTES[n % 4], DAYS[n % 3], RATIOS[n % 3])
    for n in range(40)
]
FIRST, SECOND = ROWS[:25], ROWS[25:]
EXPECTED_MEASURES = {
    "id": ColumnMeasure.SUM,
    "big": ColumnMeasure.SUM,
    "amount": ColumnMeasure.SUM,
    "name": ColumnMeasure.TEXT,
    "note": ColumnMeasure.TEXT,
    "day": ColumnMeasure.DATE,
    "ratio": ColumnMeasure.FLOAT,
}
# MariaDB renders a double in a notation of its own, and SQL cannot reach its bytes.
FLOATS_COUNTED_ONLY = {"mysql"}


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty `checked` table on each engine."""
    if request.param == "sqlite":
        target = engine_for_url(f"sqlite:///{tmp_path / 'checked.sqlite'}")
    elif request.param == "postgresql":
        target = engine_for_url(request.getfixturevalue("pg_database"))
    else:
        target = engine_for_url(request.getfixturevalue("mysql_database"))
    metadata.create_all(target)
    yield target
    target.dispose()


def target_measures(engine: Engine) -> dict[str, ColumnMeasure]:
    """Measures from the types the target reports, as a migration reads them."""
    with engine.connect() as connection:
        reflected = inspect(connection).get_columns("checked")
    return measures_for(
        {column["name"]: column["type"] for column in reflected}, dialect_of(engine)
    )


def expected_measures(engine: Engine) -> dict[str, ColumnMeasure]:
    if dialect_of(engine).name in FLOATS_COUNTED_ONLY:
        return EXPECTED_MEASURES | {"ratio": ColumnMeasure.COUNT}
    return EXPECTED_MEASURES


def stream_of(engine: Engine, measures: dict[str, ColumnMeasure]) -> StreamChecksums:
    """An empty stream hashing as the target engine does."""
    return StreamChecksums(measures, hash=dialect_of(engine).checksum_hash)


def load(engine: Engine, rows: Sequence[tuple], stream: StreamChecksums | None = None) -> None:
    """One batch through the dialect's bulk load, fed to `stream` as the executor would."""
    with engine.begin() as connection:
        dialect_of(connection).bulk_load(connection, "checked", None, COLUMNS, iter(rows))
    if stream is not None:
        stream.add({name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)})


def found(engine: Engine, measures: dict[str, ColumnMeasure]) -> dict:
    with engine.connect() as connection:
        return target_checksums(connection, dialect_of(connection), "checked", None, measures)


def mismatches(engine: Engine, stream: StreamChecksums) -> list[tuple[str, str]]:
    checks = compare(stream.values(), found(engine, stream.measures), stream.measures)
    return [(check.column, check.measure) for check in checks if not check.matches]


def test_measures_come_from_the_reflected_target_types(engine: Engine) -> None:
    assert target_measures(engine) == expected_measures(engine)


def test_two_batches_match_the_target_exactly(engine: Engine) -> None:
    measures = target_measures(engine)
    stream = stream_of(engine, measures)
    load(engine, FIRST, stream)
    load(engine, SECOND, stream)
    checks = compare(stream.values(), found(engine, measures), measures)
    # count + sum for 3 columns, count + length + hash for 2, count + days, count + hash
    assert len(checks) == (15 if dialect_of(engine).name in FLOATS_COUNTED_ONLY else 16)
    assert all(check.matches for check in checks), [c for c in checks if not c.matches]
    amount = sum(Decimal(value) for value in AMOUNTS * 5 if value is not None)
    amount += sum(Decimal(value) for value in AMOUNTS[:5] if value is not None)
    assert stream.values()["amount"] == (34, format(amount.normalize(), "f"))


def test_a_name_of_another_length_is_caught_on_that_column(engine: Engine) -> None:
    stream = stream_of(engine, target_measures(engine))
    load(engine, ROWS, stream)
    with engine.begin() as connection:
        connection.execute(checked.update().where(checked.c.id == 10).values(name="สมหญิง"))
    assert mismatches(engine, stream) == [("name", "sum_length"), ("name", "hash")]


def test_an_amount_off_by_one_ten_thousandth_is_caught_on_that_column(engine: Engine) -> None:
    stream = stream_of(engine, target_measures(engine))
    load(engine, ROWS, stream)
    with engine.begin() as connection:
        connection.execute(
            checked.update()
            .where(checked.c.id == 0)
            .values(amount=checked.c.amount + Decimal("0.0001"))
        )
    assert mismatches(engine, stream) == [("amount", "sum")]


def test_resumed_stream_continues_from_its_checkpoint_state(engine: Engine) -> None:
    measures = target_measures(engine)
    interrupted = stream_of(engine, measures)
    load(engine, FIRST, interrupted)
    state = json.loads(json.dumps(interrupted.to_state()))  # as the checkpoint stores it
    resumed = StreamChecksums(measures, state=state)
    load(engine, SECOND, resumed)
    assert mismatches(engine, resumed) == []


def test_append_to_a_filled_table_compares_the_difference(engine: Engine) -> None:
    measures = target_measures(engine)
    load(engine, FIRST)  # rows an earlier run left there
    before = found(engine, measures)
    stream = stream_of(engine, measures)
    load(engine, SECOND, stream)
    difference = subtract(found(engine, measures), before)
    assert all(check.matches for check in compare(stream.values(), difference, measures))
    assert not all(
        check.matches for check in compare(stream.values(), found(engine, measures), measures)
    )


def test_trailing_blanks_and_newlines_count_as_characters(engine: Engine) -> None:
    load(engine, [(1, None, None, "ab  \n", " ก ", None, None)])
    result = found(engine, {"name": ColumnMeasure.SUM_LENGTH, "note": ColumnMeasure.SUM_LENGTH})
    assert result == {"name": (1, "5"), "note": (1, "3")}


def test_an_empty_table_has_no_sums(engine: Engine) -> None:
    measures = target_measures(engine)
    assert found(engine, measures) == StreamChecksums(measures).values()


def test_names_with_percent_colon_and_quote_signs_are_read(engine: Engine) -> None:
    odd = Table(
        "ยอด%:x",
        MetaData(),
        Column("a%s", Integer),
        Column("b:c'd", String(20)),
        mysql_charset="utf8mb4",
    )
    odd.create(engine)
    with engine.begin() as connection:
        connection.execute(odd.insert(), [{"a%s": 5, "b:c'd": "ไทย"}, {"a%s": 7, "b:c'd": None}])
        measures = {"a%s": ColumnMeasure.SUM, "b:c'd": ColumnMeasure.SUM_LENGTH}
        result = target_checksums(connection, dialect_of(connection), "ยอด%:x", None, measures)
    assert result == {"a%s": (2, "12"), "b:c'd": (1, "3")}


def test_one_character_swapped_for_another_is_caught_by_the_hash_alone(engine: Engine) -> None:
    stream = stream_of(engine, target_measures(engine))
    load(engine, ROWS, stream)
    with engine.begin() as connection:  # same length, one byte different: "x" -> "y"
        connection.execute(checked.update().where(checked.c.id == 3).values(note="y"))
    assert mismatches(engine, stream) == [("note", "hash")]


def test_a_day_moved_is_caught_on_that_column(engine: Engine) -> None:
    stream = stream_of(engine, target_measures(engine))
    load(engine, ROWS, stream)
    with engine.begin() as connection:
        connection.execute(checked.update().where(checked.c.id == 0).values(day=date(2024, 3, 1)))
    assert mismatches(engine, stream) == [("day", "sum_days")]


def test_a_float_one_bit_off_is_caught_where_the_engine_can_say(engine: Engine) -> None:
    stream = stream_of(engine, target_measures(engine))
    load(engine, ROWS, stream)
    with engine.begin() as connection:
        connection.execute(
            checked.update().where(checked.c.id == 0).values(ratio=math.nextafter(0.1, 1))
        )
    counted_only = dialect_of(engine).name in FLOATS_COUNTED_ONLY
    assert mismatches(engine, stream) == ([] if counted_only else [("ratio", "hash")])


@pytest.mark.postgres
def test_lookup3_is_postgresql_hashtextextended(pg_database: URL) -> None:
    random = Random(7)
    alphabet = "abcกขค🙂é \n\t\\'\"" + "".join(map(chr, range(1, 32)))
    texts = ["".join(random.choice(alphabet) for _ in range(length)) for length in range(90)]
    texts += [
        "".join(random.choice(alphabet) for _ in range(random.randrange(400))) for _ in range(500)
    ]
    engine = engine_for_url(pg_database)
    with engine.connect() as connection:
        server = connection.execute(
            text(
                "SELECT hashtextextended(v, 0) FROM unnest(CAST(:texts AS text[])) "
                "WITH ORDINALITY AS t(v, i) ORDER BY i"
            ),
            {"texts": texts},
        ).scalars()
        expected = [value % (1 << 64) for value in server]
    engine.dispose()
    assert hash_each(ChecksumHash.LOOKUP3, pa.array(texts)).tolist() == expected
