"""The profiler on mini_his, on SQLite, MariaDB and PostgreSQL: every count of `patient` and
`ovst` against the same counts computed here from the generator's own rows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import CHAR, Engine, String

from mini_his.data import MiniHisData
from mini_his.schema import metadata
from models.profile import TableProfile
from models.profile_settings import SamplingSettings
from services import datasources as ds
from services.context import ServiceContext
from services.privacy import mask_profile
from services.profiling import profile_datasource
from services.reports.writer import write_report
from tests.integration.test_mini_his import PATIENTS, SEED, his  # noqa: F401 - the fixture
from utils.thai_cid import cid_checksum_ok

TABLES = ("patient", "ovst")


def same_key(engine: str, column_type: object):
    """How the engine tells text values apart: MariaDB's utf8mb4_general_ci ignores case and
    trailing blanks; PostgreSQL ignores trailing blanks in CHAR(n)."""
    if not isinstance(column_type, String):
        return lambda value: value
    if engine == "mysql":
        return lambda value: value.rstrip(" ").casefold()
    if engine == "postgresql" and isinstance(column_type, CHAR):
        return lambda value: value.rstrip(" ")
    return lambda value: value


def register(ctx: ServiceContext, engine: Engine) -> None:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        ds.create_datasource(ctx, name="his", db_type="sqlite", database=url.database)
        return
    ds.create_datasource(
        ctx,
        name="his",
        db_type="mysql" if url.get_backend_name() == "mysql" else "postgresql",
        host=url.host,
        port=url.port,
        database=url.database,
        username=url.username,
    )


def test_profile_counts_match_the_generated_rows(ctx: ServiceContext, his: Engine) -> None:  # noqa: F811
    register(ctx, his)
    data = MiniHisData(patients=PATIENTS, seed=SEED)
    profiled: dict[str, TableProfile] = {
        t.name: t for t in profile_datasource(ctx, "his", tables=list(TABLES)).tables
    }
    for name in TABLES:
        rows = [row for chunk in data.chunks(name) for row in chunk]
        table = profiled[name]
        assert table.error is None
        assert table.row_count == table.rows_profiled == len(rows)
        for position, column in enumerate(metadata.tables[name].columns):
            result = next(c for c in table.columns if c.name == column.name)
            values = [row[position] for row in rows]
            present = [v for v in values if v is not None]
            key = same_key(his.dialect.name, column.type)
            where = f"{name}.{column.name}"
            assert result.null_count == len(values) - len(present), where
            assert result.distinct_count == len({key(v) for v in present}), where
            if isinstance(column.type, String):
                assert result.empty_count == sum(1 for v in present if key(v) == ""), where
                counts = Counter(key(v) for v in present)
                top = sorted(counts.values(), reverse=True)[:5]
                assert [v.count for v in result.top_values] == top, where


def test_the_masked_report_hides_citizen_ids_and_leaves_visit_numbers(
    ctx: ServiceContext,
    his: Engine,  # noqa: F811
    tmp_path: Path,
) -> None:
    register(ctx, his)
    profile = profile_datasource(
        ctx, "his", tables=list(TABLES), sampling=SamplingSettings(default_limit=100)
    )
    clear = {(t.name, c.name): c for t in profile.tables for c in t.columns}
    # The look-alike: some visit numbers in the sample pass the citizen-ID checksum by chance.
    lucky_vns = [v for v in clear["ovst", "vn"].sample_values if cid_checksum_ok(v)]
    assert lucky_vns
    cids = [v for v in clear["patient", "cid"].sample_values if cid_checksum_ok(v.strip())]
    assert cids

    masked = {(t.name, c.name): c for t in mask_profile(profile).tables for c in t.columns}
    vn = masked["ovst", "vn"]
    assert (vn.phi_kind, vn.masked) == (None, False)
    assert vn.sample_values == clear["ovst", "vn"].sample_values
    assert (masked["patient", "cid"].phi_kind, masked["patient", "cid"].masked) == ("cid", True)
    assert (masked["ovst", "hn"].phi_kind, masked["patient", "fname"].phi_kind) == ("hn", "name")

    paths = write_report(mask_profile(profile), out_dir=tmp_path, ddl=None, log_lines=[])
    report = paths.csv.read_text(encoding="utf-8-sig")
    assert all(v in report for v in lucky_vns)
    assert not any(cid.strip() in report for cid in cids)
