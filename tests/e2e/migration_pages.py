"""Shared pieces of the Migration Engine and Runs page tests: demo configs, what the demo
databases hold (read with sqlite3 itself), and reading what a page shows."""

from __future__ import annotations

import re
import sqlite3

import pandas as pd
from streamlit.testing.v1 import AppTest

from services.context import ServiceContext
from services.demo import DEMO_SOURCE, DEMO_TARGET
from services.demo.service import demo_files

PATIENT_COLUMNS = ("hn", "pname", "fname", "lname", "sex", "birthday", "cid")
#: The checks of a validated config: a title that is not นาย / นาง, a CID not starting with 3.
PNAME_PATTERN, CID_PATTERN = "นา(ย|ง)", "3[0-9]{12}"


def patient_config(name: str, *, validated: bool = False, **fields: object) -> dict:
    """Demo patients into a new table of the demo target, names trimmed; `validated` adds a
    title check and a citizen-ID check that fail known rows (quarantined)."""
    mappings: list[dict] = [{"source": column, "target": column} for column in PATIENT_COLUMNS]
    for item in mappings:
        if item["source"] in ("fname", "lname"):
            item["transformers"] = [{"name": "TRIM"}]
    if validated:
        mappings[1]["validators"] = [{"name": "regex", "params": {"pattern": PNAME_PATTERN}}]
        mappings[6]["validators"] = [{"name": "regex", "params": {"pattern": CID_PATTERN}}]
        fields = {"error_policy": "quarantine", **fields}
    return {
        "name": name,
        "source": DEMO_SOURCE,
        "target": DEMO_TARGET,
        "source_table": "patient",
        "target_table": "patient",
        "create_target_table": True,
        "mappings": mappings,
        **fields,
    }


def failing_checks(hn: str, pname: str | None, cid: str | None) -> list[str]:
    """The columns of a demo patient that the validated config's checks fail (NULLs pass)."""
    failed = []
    if pname is not None and not re.fullmatch(PNAME_PATTERN, pname):
        failed.append("pname")
    if cid is not None and not re.fullmatch(CID_PATTERN, cid):
        failed.append("cid")
    return failed


def source_rows(ctx: ServiceContext, sql: str) -> list[tuple]:
    """Rows of the demo source, read with sqlite3 itself."""
    return _rows(demo_files(ctx.settings)[0], sql)


def target_rows(ctx: ServiceContext, sql: str) -> list[tuple]:
    """Rows of the demo target, read with sqlite3 itself."""
    return _rows(demo_files(ctx.settings)[1], sql)


def _rows(path: object, sql: str) -> list[tuple]:
    connection = sqlite3.connect(str(path))
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def progress_text(at: AppTest) -> str:
    """The followed job's progress line ("Completed · 4 of 4 rows"), or "" without one."""
    bars = at.get("progress")
    return bars[0].proto.text if bars else ""


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on the page with `column` among its columns."""
    (table,) = [frame.value for frame in at.dataframe if column in frame.value.columns]
    return table


def texts(elements: object) -> list[str]:
    """The texts of a list of success / error / info… elements."""
    return [element.value for element in elements]  # type: ignore[attr-defined]
