"""The Schema Mapper page through Streamlit's AppTest: the embedded demo (SQLite), and mini_his
on the real MariaDB server mapped onto a table of the real PostgreSQL server."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from streamlit.testing.v1 import AppTest

from config import get_settings
from services.context import ServiceContext
from services.datasources import create_datasource, get_datasource
from services.demo import DEMO_SOURCE, DEMO_TARGET, generate_mock_his
from services.demo.service import demo_files
from services.mapping import get_config, list_versions, save_config
from services.profiling import analyze_datasource
from tests.e2e.dashboard import open_page
from views.shared.handoff import MAPPER_CONFIG

pytestmark = pytest.mark.e2e

# The demo target gets a patient table of a newer system: English names, ISO dates.
PERSON_COLUMNS = (
    "hn", "prename", "first_name", "last_name", "gender", "birth_date", "citizen_id", "remark",
)  # fmt: skip
# Auto-Map on demo patient → person, written down from the two schemas.
EXPECTED_TARGETS = {
    "hn": "hn",
    "pname": "prename",
    "fname": "first_name",
    "lname": "last_name",
    "sex": "gender",
    "birthday": "birth_date",
    "cid": "citizen_id",
}
PATIENT_COLUMNS = ["hn", "pname", "fname", "lname", "sex", "birthday", "cid"]
# Auto-Map on mini_his patient (MariaDB) → person (PostgreSQL), from the two schemas.
MINI_HIS_TARGETS = {
    "hn": "hn",
    "fname": "first_name",
    "lname": "last_name",
    "sex": "sex",
    "birthday": "birth_date",
    "cid": "citizen_id",
}


@pytest.fixture
def demo(installation: ServiceContext) -> ServiceContext:
    """The installation with a `person` table in the (otherwise empty) demo target."""
    _, target_file = demo_files(installation.settings)
    with sqlite3.connect(target_file) as connection:
        connection.execute(
            "CREATE TABLE person (hn TEXT PRIMARY KEY, prename TEXT, first_name TEXT, "
            "last_name TEXT, gender TEXT, birth_date DATE, citizen_id TEXT, remark TEXT)"
        )
    return installation


def _errors(at: AppTest) -> list[str]:
    return [error.value for error in at.error]


def _successes(at: AppTest) -> list[str]:
    return [success.value for success in at.success]


def _captions(at: AppTest) -> list[str]:
    return [caption.value for caption in at.caption]


def _open_demo_patient(at: AppTest) -> AppTest:
    """Source demo patient (live); the target is then the demo target's only table, person."""
    at.selectbox(key="mapper_src_table").select("patient").run()
    assert not at.exception and not _errors(at)
    assert at.selectbox(key="mapper_tgt_ds").value == DEMO_TARGET
    assert at.selectbox(key="mapper_tgt_table").value == "person"
    return at


def _frame(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table shown whose leading columns are `columns`."""
    for frame in at.dataframe:
        if tuple(frame.value.columns[: len(columns)]) == columns:
            return frame.value
    raise AssertionError(f"no table with columns {columns} is shown")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The table's rows, with an empty cell as None (pandas shows it as NaN)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _target_of(at: AppTest, column: str) -> str | None:
    return at.selectbox(key=f"mapper_ed_target__{column}").value


def _item(
    source: str, target: str | None, transformers: tuple = (), validators: tuple = ()
) -> dict[str, Any]:
    """A mapping as the store keeps it, every field present."""
    return {
        "source": source,
        "target": target,
        "transformers": [{"name": name, "params": params} for name, params in transformers],
        "validators": [{"name": name, "params": params} for name, params in validators],
        "ignore": target is None,
        "default": None,
    }


def test_live_source_lists_the_demo_tables_and_the_columns_of_patient(demo: ServiceContext) -> None:
    at = open_page("mapper")
    assert at.selectbox(key="mapper_src_ds").value == DEMO_SOURCE
    assert at.selectbox(key="mapper_src_table").options == ["doctor", "ovst", "patient"]

    _open_demo_patient(at)
    columns = at.dataframe[0].value
    assert list(columns["column"]) == PATIENT_COLUMNS
    assert list(columns["key"]) == [True] + [False] * 6
    assert f"{len(PERSON_COLUMNS)} columns: {', '.join(PERSON_COLUMNS)}" in _captions(at)

    at.button(key="mapper_profile").click().run()
    assert _successes(at) == ["Profiled the 7 columns of patient."]
    profile = at.dataframe[0].value.set_index("column")
    # The demo's cids: two valid IDs, one '' and one NULL; shown masked, never in clear.
    assert (profile.loc["cid", "nulls"], profile.loc["cid", "empties"]) == (1, 1)
    assert profile.loc["cid", "identifier"] == "cid"
    assert "1-1017-xxxxx-xx-0" in profile.loc["cid", "samples"]
    assert profile.loc["sex", "top"] == "1 (2), 2 (2)"
    shown = profile.to_string()
    for clear in ("1101700203450", "3100600123450", "สมศักดิ์", "000001"):
        assert clear not in shown


def test_run_id_mode_reads_the_report_the_profiler_wrote_on_the_demo(demo: ServiceContext) -> None:
    # Written with masking off: the page must mask what the report holds in clear.
    run = analyze_datasource(demo, DEMO_SOURCE, out_dir=demo.settings.reports_dir, mask=False)
    at = open_page("mapper")
    at.radio(key="mapper_src_mode").set_value("Run ID").run()
    assert at.selectbox(key="mapper_src_run").value == run.paths.run_dir.name
    assert at.selectbox(key="mapper_src_run_table").options == ["doctor", "ovst", "patient"]

    at.selectbox(key="mapper_src_run_table").select("patient").run()
    assert not at.exception and not _errors(at)
    assert f"The config reads from datasource **{DEMO_SOURCE}**." in _captions(at)
    profile = at.dataframe[0].value.set_index("column")
    assert list(profile.index) == PATIENT_COLUMNS
    assert profile.loc["sex", "top"] == "1 (2), 2 (2)"
    assert profile.loc["fname", "identifier"] == "name"
    hns = sorted(profile.loc["hn", "samples"].split(" | "))
    assert hns == ["xxxx01", "xxxx02", "xxxx03", "xxxx04"]
    shown = profile.to_string()
    for clear in ("1101700203450", "สมศักดิ์", "ทองดี", "000001"):
        assert clear not in shown


def test_auto_map_fills_the_targets_with_confidence_and_reasons(demo: ServiceContext) -> None:
    at = _open_demo_patient(open_page("mapper"))
    at.button(key="mapper_automap").click().run()

    assert not _errors(at)
    assert _successes(at) == [
        "Auto-Map suggested a target for 7 of 7 columns (semantic model too). "
        "Review each row before saving."
    ]
    assert {column: _target_of(at, column) for column in PATIENT_COLUMNS} == EXPECTED_TARGETS
    # The demo's birthdays are Buddhist-era text: the date conversion comes with the pair.
    assert at.multiselect(key="mapper_ed_transformers__birthday").value == ["BUDDHIST_TO_ISO"]
    suggested = {
        match["target"]: (int(match["percent"]), match["reasons"])
        for caption in _captions(at)
        if (
            match := re.match(
                r"Suggested: (?P<target>\S+) · (?P<percent>\d+)% — (?P<reasons>.+)", caption
            )
        )
    }
    assert set(suggested) == set(EXPECTED_TARGETS.values())
    assert all(50 <= percent <= 100 for percent, _ in suggested.values())
    assert "dictionary: hn ≈ hospital number" in suggested["hn"][1]
    assert "Buddhist" in suggested["birth_date"][1]


def test_an_edited_mapping_is_saved_as_shown_and_saving_again_adds_version_2(
    demo: ServiceContext,
) -> None:
    at = _open_demo_patient(open_page("mapper"))
    at.button(key="mapper_automap").click().run()
    at.button(key="mapper_save").click().run()
    assert _errors(at) == ["Give the config a name first."]

    at.selectbox(key="mapper_ed_target__pname").select("remark").run()
    at.multiselect(key="mapper_ed_transformers__hn").select("HN_PAD").run()
    at.selectbox(key="mapper_detail_column").select("hn").run()
    at.number_input(key="mapper_ed_param__hn__transformers__0__width").set_value(8).run()
    at.text_input(key="mapper_ed_name").input("patients to person").run()
    at.button(key="mapper_save").click().run()

    assert _errors(at) == []
    assert _successes(at) == ["Config 'patients to person' created as v1."]
    stored = get_config(demo, "patients to person")
    assert stored["mappings"] == [
        _item("hn", "hn", transformers=[("HN_PAD", {"width": 8})]),
        _item("pname", "remark"),
        _item("fname", "first_name", transformers=[("TRIM", {})]),
        _item("lname", "last_name", transformers=[("TRIM", {})]),
        _item("sex", "gender"),
        _item("birthday", "birth_date", transformers=[("BUDDHIST_TO_ISO", {})]),
        _item("cid", "citizen_id", validators=[("cid_checksum", {})]),
    ]
    assert (stored["source_table"], stored["target_table"]) == ("patient", "person")
    assert stored["source_datasource_id"] == str(get_datasource(demo, DEMO_SOURCE).id)
    assert stored["target_datasource_id"] == str(get_datasource(demo, DEMO_TARGET).id)
    assert (stored["source_key"], stored["key_columns"]) == (["hn"], ["hn"])
    assert stored["create_target_table"] is False and stored["generate_sql"] is None

    at.checkbox(key="mapper_ed_ignore__pname").check().run()
    at.button(key="mapper_save").click().run()
    assert _successes(at) == ["Config 'patients to person' saved as v2."]
    assert get_config(demo, "patients to person")["mappings"][1] == _item("pname", None)

    at.button(key="mapper_save").click().run()  # nothing changed since v2
    assert len(_errors(at)) == 1 and "nothing changed since v2" in _errors(at)[0]
    assert [v.version for v in list_versions(demo, "patients to person")] == [1, 2]
    download_labels = [button.label for button in at.get("download_button")]
    assert download_labels == ["Download JSON", "Download TypeScript"]


def _save_preview_config(ctx: ServiceContext, name: str) -> None:
    save_config(
        ctx,
        {
            "name": name,
            "source": DEMO_SOURCE,
            "source_table": "patient",
            "target": DEMO_TARGET,
            "target_table": "person",
            "source_key": ["hn"],
            "key_columns": ["hn"],
            "error_policy": "quarantine",
            "mappings": [
                {"source": "hn", "target": "hn",
                 "transformers": [{"name": "HN_PAD", "params": {"width": 8}}]},
                {"source": "fname", "target": "first_name", "transformers": [{"name": "TRIM"}]},
                {"source": "sex", "target": "gender",
                 "validators": [{"name": "regex", "params": {"pattern": "[12]"}}]},
                {"source": "birthday", "target": "birth_date",
                 "transformers": [{"name": "BUDDHIST_TO_ISO"}]},
                {"source": "cid", "target": "citizen_id", "validators": [{"name": "cid_checksum"}]},
            ],
        },
    )  # fmt: skip


def _handed_over(name: str) -> AppTest:
    at = open_page("mapper")
    at.session_state[MAPPER_CONFIG] = name
    at.run()
    assert not at.exception
    return at


def test_a_config_handed_over_fills_the_editor_and_previews_rows_and_rejects(
    demo: ServiceContext,
) -> None:
    _save_preview_config(demo, "patient preview")
    at = _handed_over("patient preview")

    assert _successes(at) == ["Opened config 'patient preview' (v1)."]
    assert at.text_input(key="mapper_ed_name").value == "patient preview"
    assert _target_of(at, "hn") == "hn" and _target_of(at, "birthday") == "birth_date"
    assert at.multiselect(key="mapper_ed_transformers__hn").value == ["HN_PAD"]
    assert at.multiselect(key="mapper_ed_validators__cid").value == ["cid_checksum"]
    # Columns the config does not read are ignored.
    assert at.checkbox(key="mapper_ed_ignore__pname").value is True
    at.selectbox(key="mapper_detail_column").select("hn").run()
    assert at.number_input(key="mapper_ed_param__hn__transformers__0__width").value == 8

    at.button(key="mapper_preview_run").click().run()
    assert _errors(at) == []
    assert "**4** rows read, **3** would load, **1** would be rejected" in at.markdown[-1].value
    rows = _frame(at, "hn", "first_name")
    # By hand from the demo rows: HN_PAD to 8 digits (masked to its last two), the
    # Buddhist year less 543, given names trimmed and masked; patient 000003 ('' cid) refused.
    assert _records(rows) == [
        {"hn": "xxxxxx01", "first_name": "สxxx", "gender": "1", "birth_date": "1967-04-12",
         "citizen_id": "1-1017-xxxxx-xx-0"},
        {"hn": "xxxxxx02", "first_name": "มxxx", "gender": "2", "birth_date": "1979-11-30",
         "citizen_id": "3-1006-xxxxx-xx-0"},
        {"hn": "xxxxxx04", "first_name": "กxxx", "gender": "2", "birth_date": "1992-07-21",
         "citizen_id": None},
    ]  # fmt: skip
    rejects = _frame(at, "column", "stage")
    assert rejects[["column", "stage", "rejects", "values", "first"]].to_dict("records") == [
        {"column": "citizen_id", "stage": "validate", "rejects": 1, "values": "''",
         "first": "batch 1, row 3"},
    ]  # fmt: skip
    assert rejects.loc[0, "reason"].startswith("cid_checksum: ")
    _, target_file = demo_files(demo.settings)
    with sqlite3.connect(target_file) as connection:  # rolled back: the target is untouched
        assert connection.execute("SELECT COUNT(*) FROM person").fetchone() == (0,)


def test_a_bad_generate_sql_is_refused_with_one_line_and_no_version_is_added(
    demo: ServiceContext,
) -> None:
    _save_preview_config(demo, "patient sql")
    at = _handed_over("patient sql")

    at.text_area(key="mapper_ed_generate_sql").input("DELETE FROM patient").run()
    at.button(key="mapper_save").click().run()

    assert _errors(at) == ["generate_sql (SQLite (file)) must be a SELECT, not DELETE."]
    assert not at.exception
    assert [v.version for v in list_versions(demo, "patient sql")] == [1]
    assert get_config(demo, "patient sql")["generate_sql"] is None


def test_without_the_semantic_model_auto_map_offers_the_dictionary_alone(
    demo: ServiceContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIS_MODEL", str(tmp_path / "no-such-model"))
    get_settings.cache_clear()
    st.cache_resource.clear()  # the page's context reads the setting anew
    at = _open_demo_patient(open_page("mapper"))

    at.button(key="mapper_automap").click().run()
    assert len(_errors(at)) == 1 and "Auto-Map can use the dictionary alone." in _errors(at)[0]
    assert _target_of(at, "hn") is None

    at.button(key="mapper_automap_dictionary").click().run()
    assert _errors(at) == []
    assert "(dictionary, spelling and values)" in _successes(at)[0]
    assert {column: _target_of(at, column) for column in PATIENT_COLUMNS} == EXPECTED_TARGETS


def test_mini_his_on_mariadb_maps_onto_postgresql_and_previews_without_writing(
    installation: ServiceContext, mysql_database: URL, pg_database: URL
) -> None:
    for name, kind, url in (
        ("his", "mysql", mysql_database),
        ("new his", "postgresql", pg_database),
    ):
        create_datasource(
            installation, name=name, db_type=kind, host=url.host, port=url.port,
            database=url.database or "", username=url.username, password=url.password,
        )  # fmt: skip
    generate_mock_his(installation, datasource="his", patients=20)
    target = create_engine(pg_database)
    source = create_engine(mysql_database)
    try:
        with target.begin() as connection:
            connection.execute(text(
                "CREATE TABLE person (hn VARCHAR(9) PRIMARY KEY, first_name TEXT, "
                "last_name TEXT, sex CHAR(1), birth_date DATE, citizen_id VARCHAR(17))"
            ))  # fmt: skip
        with source.connect() as connection:
            expected = connection.execute(
                text("SELECT sex, birthday FROM patient ORDER BY hn LIMIT 10")
            ).all()

        at = open_page("mapper")
        at.selectbox(key="mapper_src_ds").select("his").run()
        at.selectbox(key="mapper_src_table").select("patient").run()
        at.selectbox(key="mapper_tgt_ds").select("new his").run()
        at.button(key="mapper_automap").click().run()
        assert not _errors(at)
        assert {column: _target_of(at, column) for column in MINI_HIS_TARGETS} == MINI_HIS_TARGETS
        others = [
            row for row in _frame(at, "column", "type")["column"] if row not in MINI_HIS_TARGETS
        ]
        assert "hometel" in others  # every other column has no counterpart: ignored
        assert all(at.checkbox(key=f"mapper_ed_ignore__{column}").value for column in others)

        at.button(key="mapper_preview_run").click().run()
        assert _errors(at) == []
        summary = at.markdown[-1].value
        assert summary.startswith("**20** rows read, **20** would load, **0** would be rejected")
        assert "No row would be rejected." in _successes(at)
        rows = _records(_frame(at, "hn", "first_name"))
        # The first ten by key, as MariaDB holds them (dates as ISO text).
        assert [(row["sex"], row["birth_date"]) for row in rows] == [
            (sex, None if day is None else day.isoformat()) for sex, day in expected
        ]
        assert all(re.fullmatch(r"x+\d\d", row["hn"]) for row in rows)  # HNs masked
        with target.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM person")).scalar_one() == 0

        at.text_input(key="mapper_ed_name").input("his patient").run()
        at.button(key="mapper_save").click().run()  # checked against both live schemas first
        assert _successes(at) == ["Config 'his patient' created as v1."]
        stored = get_config(installation, "his patient")
        assert stored["source_datasource_id"] == str(get_datasource(installation, "his").id)
        assert stored["target_datasource_id"] == str(get_datasource(installation, "new his").id)
        mapped = {m["source"]: m["target"] for m in stored["mappings"] if not m["ignore"]}
        assert mapped == MINI_HIS_TARGETS
    finally:
        target.dispose()
        source.dispose()
