"""A hospital IT person's work in headless Chromium, on `his-analyzer run` (the API with its job
runner, and the dashboard): add the legacy MariaDB in Settings, map its patients onto a
PostgreSQL table with AI Auto-Map, preview, save, migrate it as a job and see it reconciled;
and a page reloaded while a job runs follows the same job again.

Every step after the preparation is done in the browser, as a person does it; what the
databases hold afterwards is read back with SQLAlchemy alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import URL

from config import Settings
from mini_his.gen_mini_his import engine_for_url, generate
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.datasources import get_datasource
from services.mapping import get_config, save_config
from tests.e2e.browser import (
    Dashboard,
    alert_texts,
    choose,
    chromium,
    click,
    dashboard,
    expand,
    fill,
    go_to,
    main_text,
    open_page,
    page_errors,
    selected,
    type_in,
    wait_for_progress,
    wait_for_text,
    wait_idle,
)
from tests.e2e.live_server import SECRET
from tests.factories import register_server
from tests.integration.migration_fixtures import execute, fetch
from tests.servers import create_database, drop_database, unique_name

pytestmark = pytest.mark.e2e

NEW_HIS = "new his"  # the PostgreSQL target, registered through the services
LEGACY = "hospital mariadb"  # the mini_his source of the mapping test, added in the browser
CONFIG = "his patients to person"
PATIENTS = 50
#: With this seed each of the 50 citizen IDs is NULL or passes the checksum of the cid_checksum
#: validator Auto-Map adds (the test checks it with a checksum of its own): every row loads.
SEED = 22
#: mini_his patient → person: what Auto-Map suggests from the two schemas.
MAPPED = {
    "hn": "hn",
    "pname": "prename",
    "fname": "first_name",
    "lname": "last_name",
    "sex": "sex",
    "birthday": "birth_date",
    "cid": "citizen_id",
}
PERSON_DDL = (
    "CREATE TABLE person (hn VARCHAR(9) PRIMARY KEY, prename TEXT, first_name TEXT, "
    "last_name TEXT, birth_date DATE, sex CHAR(1), citizen_id VARCHAR(17))"
)
#: mini_his visits moved five rows a batch: a run of several seconds, a few times as long as
#: a reload takes.
VISITS = 3_000
BATCH = 5
VISIT_COLUMNS = ("vn", "hn", "vstdate", "doctor", "pttype", "income")


@pytest.fixture(scope="module")
def new_his(pg_server: URL) -> Iterator[URL]:
    """The new system's PostgreSQL database: an empty `person` table of its own design."""
    name = unique_name()
    url = create_database(pg_server, name)
    execute(url, PERSON_DDL)
    yield url
    drop_database(pg_server, name)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, new_his: URL) -> Iterator[Dashboard]:
    """`his-analyzer run` on a data folder prepared through the services before it starts:
    the new system's database is registered there. One start serves both tests, each
    working on databases and names of its own."""
    workdir = tmp_path_factory.mktemp("browser-flow")
    ctx = _installation(workdir)
    register_server(ctx, NEW_HIS, new_his)
    ctx.close()
    with dashboard(workdir) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def tab(browser: Browser, servers: Dashboard) -> Iterator[Callable[[str], Page]]:
    """Opens a dashboard page in a tab of its own; each is closed after the test."""
    opened: list[Page] = []

    def open_tab(url_path: str = "") -> Page:
        opened.append(open_page(browser, servers, url_path))
        return opened[-1]

    yield open_tab
    for page in opened:
        page.context.close()


def _installation(workdir: Path) -> ServiceContext:
    """The service context of the data folder `his-analyzer run` uses in `workdir`."""
    return bootstrap(Settings(data_dir=workdir / "data", secret_key=SECRET, _env_file=None))


def _fill_mini_his(url: URL, **sizes: int) -> None:
    engine = engine_for_url(url)
    try:
        generate(engine, **sizes)
    finally:
        engine.dispose()


def _passes_cid_checksum(cid: str) -> bool:
    """The Thai citizen-ID check digit: (11 - sum(d_i * (13 - i)) mod 11) mod 10."""
    if not re.fullmatch(r"\d{13}", cid):
        return False
    digits = [int(char) for char in cid]
    weighted = sum(digit * (13 - index) for index, digit in enumerate(digits[:12]))
    return (11 - weighted % 11) % 10 == digits[12]


def _no_errors(page: Page) -> None:
    assert page_errors(page) == [], main_text(page)


def _job_in_address(page: Page) -> list[str]:
    return parse_qs(urlparse(page.url).query).get("job", [])


def _ended_lines(page: Page) -> list[str]:
    """The success lines once the ended job's outcome is drawn: the page redraws once when
    the job ends, and the reconciliation comes with that redraw."""
    page.get_by_text("Reconciliation: ").first.wait_for()
    wait_idle(page)
    return alert_texts(page, "Success")


def _reconciled(lines: list[str], rows: int) -> list[str]:
    start = (
        f"Reconciliation: the target matches the source (source rows {rows:,} · loaded "
        f"{rows:,} · rejected 0 · column checksums "
    )
    return [line for line in lines if line.startswith(start)]


def test_a_table_is_mapped_with_ai_auto_map_and_migrated_as_a_job_from_the_browser(
    servers: Dashboard, tab: Callable[[str], Page], mysql_database: URL, new_his: URL
) -> None:
    _fill_mini_his(mysql_database, patients=PATIENTS, seed=SEED)
    source = fetch(mysql_database, f"SELECT {', '.join(MAPPED)} FROM patient ORDER BY hn")
    assert len(source) == PATIENTS
    assert all(cid is None or _passes_cid_checksum(cid) for *_, cid in source)
    [(columns,)] = fetch(
        mysql_database,
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = DATABASE() AND table_name = 'patient'",
    )

    page = tab("")  # Settings: the page a visitor lands on
    expand(page, "Add datasource")
    type_in(page, "ds_add_name", LEGACY)
    choose(page, "ds_add_type", "MariaDB / MySQL")
    type_in(page, "ds_add_host", str(mysql_database.host))
    type_in(page, "ds_add_port", str(mysql_database.port))
    type_in(page, "ds_add_database", str(mysql_database.database))
    type_in(page, "ds_add_user", str(mysql_database.username))
    if mysql_database.password:
        type_in(page, "ds_add_password", str(mysql_database.password))
    click(page, "ds_add_submit")
    wait_for_text(page, f"Datasource {LEGACY!r} added.")
    assert alert_texts(page, "Success") == [f"Datasource {LEGACY!r} added."]
    _no_errors(page)

    go_to(page, "Schema Mapper")
    choose(page, "mapper_src_ds", LEGACY)
    choose(page, "mapper_src_table", "patient")
    choose(page, "mapper_tgt_ds", NEW_HIS)
    choose(page, "mapper_tgt_table", "person")
    wait_for_text(page, "7 columns: hn, prename, first_name, last_name, birth_date, sex, ")
    click(page, "mapper_automap")
    wait_for_text(page, "Auto-Map suggested a target for ")
    [suggested] = alert_texts(page, "Success")
    assert suggested.startswith(
        f"Auto-Map suggested a target for {len(MAPPED)} of {columns} columns (semantic model too)"
    )
    assert {column: selected(page, f"mapper_ed_target__{column}") for column in MAPPED} == MAPPED
    shown = main_text(page)
    for target in MAPPED.values():
        assert re.search(rf"Suggested: {target} · \d+% — ", shown), target
    _no_errors(page)

    click(page, "mapper_preview_run")
    wait_for_text(page, "No row would be rejected.")
    assert (
        f"{PATIENTS} rows read, {PATIENTS} would load, 0 would be rejected — rolled back, "
        "nothing was written."
    ) in main_text(page)
    assert fetch(new_his, "SELECT count(*) FROM person") == [(0,)]

    type_in(page, "mapper_ed_name", CONFIG)  # sent as the Save click takes the focus
    click(page, "mapper_save")
    wait_for_text(page, f"Config {CONFIG!r} created as v1.")
    assert alert_texts(page, "Success") == [f"Config {CONFIG!r} created as v1."]
    # Drawn beside the button, in view: the page's top is far above it.
    expect(page.get_by_text(f"Config {CONFIG!r} created as v1.")).to_be_in_viewport()
    _no_errors(page)

    go_to(page, "Migration Engine")
    choose(page, "mig_config", CONFIG)
    click(page, "mig_execute")
    wait_for_progress(page, r"^Completed")
    successes = _ended_lines(page)
    assert f"Job completed: {PATIENTS} rows read, {PATIENTS} loaded, 0 rejected." in successes
    assert len(_reconciled(successes, PATIENTS)) == 1, successes
    _no_errors(page)

    ctx = _installation(servers.workdir)
    try:
        added = get_datasource(ctx, LEGACY)
        stored = get_config(ctx, CONFIG)
    finally:
        ctx.close()
    typed = (mysql_database.host, mysql_database.port, mysql_database.database)
    assert (added.db_type, added.host, added.port, added.database) == ("mysql", *typed)
    assert added.username == mysql_database.username
    # The config as saved: Auto-Map's pairs, no transformer; so each value arrives as
    # MariaDB holds it, and every source row arrives once.
    mapped = {
        item["source"]: (item["target"], item["transformers"])
        for item in stored["mappings"]
        if not item["ignore"]
    }
    assert mapped == {column: (target, []) for column, target in MAPPED.items()}
    loaded = fetch(new_his, f"SELECT {', '.join(MAPPED.values())} FROM person ORDER BY hn")
    assert len(loaded) == len(source)
    assert loaded == source


def test_a_reloaded_page_finds_the_running_job_again(
    servers: Dashboard, tab: Callable[[str], Page], mysql_database: URL, new_his: URL
) -> None:
    _fill_mini_his(mysql_database, patients=20, visits=VISITS)
    ctx = _installation(servers.workdir)
    try:
        register_server(ctx, "hosxp", mysql_database)
        save_config(
            ctx,
            {
                "name": "visits",
                "source": "hosxp",
                "target": NEW_HIS,
                "source_table": "ovst",
                "target_table": "visits",
                "create_target_table": True,
                "mappings": [{"source": column, "target": column} for column in VISIT_COLUMNS],
            },
        )
    finally:
        ctx.close()

    page = tab("migrate")
    choose(page, "mig_config", "visits")
    fill(page, "mig_batch_size", str(BATCH))
    click(page, "mig_execute")
    wait_for_progress(page, r"^Running · [1-9][\d,]* of ")
    [job_id] = _job_in_address(page)
    followed = f"Migration job — visits · {job_id}"
    assert followed in main_text(page)

    page.reload()
    # The same job, found again from the address, still running and followed.
    page.get_by_text(followed).wait_for()
    assert wait_for_progress(page, r"^(Running|Completed) · ").startswith("Running · ")
    assert _job_in_address(page) == [job_id]

    wait_for_progress(page, r"^Completed")
    successes = _ended_lines(page)
    assert f"Job completed: {VISITS:,} rows read, {VISITS:,} loaded, 0 rejected." in successes
    assert len(_reconciled(successes, VISITS)) == 1, successes
    _no_errors(page)

    # Exactly the source's rows, each once: following the job again queued nothing.
    assert fetch(new_his, "SELECT count(*), count(DISTINCT vn) FROM visits") == [(VISITS, VISITS)]
    select = f"SELECT {', '.join(VISIT_COLUMNS)} FROM {{}} ORDER BY vn"
    assert fetch(new_his, select.format("visits")) == fetch(mysql_database, select.format("ovst"))
