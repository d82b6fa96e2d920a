"""The ER Diagram page through AppTest, on mini_his in a real PostgreSQL database: the graph's
nodes and edges against the foreign keys read from PostgreSQL's own catalog."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from streamlit.testing.v1 import AppTest

from mini_his.gen_mini_his import engine_for_url, generate
from services.context import ServiceContext
from services.datasources import delete_datasource
from services.demo import DEMO_SOURCE, DEMO_TARGET
from tests.e2e.dashboard import open_page
from tests.factories import register_server
from tests.servers import create_database, drop_database, unique_name
from views.components.graph import HIGHLIGHT_FILL

pytestmark = pytest.mark.e2e

MINI_HIS = "mini his"
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_NODE = re.compile(rf"^\s*{_QUOTED} \[label=", re.MULTILINE)
_EDGE = re.compile(rf'^\s*{_QUOTED} -> {_QUOTED}(?: \[label="((?:[^"\\]|\\.)*)")?', re.MULTILINE)

# Every foreign key of the public schema, each column pair in key order, from the catalog.
_FOREIGN_KEYS = """
SELECT child.relname, parent.relname,
       array_agg(own.attname ORDER BY k.i), array_agg(referred.attname ORDER BY k.i)
FROM pg_constraint c
JOIN pg_class child ON child.oid = c.conrelid
JOIN pg_class parent ON parent.oid = c.confrelid
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(own_n, ref_n, i)
JOIN pg_attribute own ON own.attrelid = c.conrelid AND own.attnum = k.own_n
JOIN pg_attribute referred ON referred.attrelid = c.confrelid AND referred.attnum = k.ref_n
WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
GROUP BY c.oid, child.relname, parent.relname
"""


@pytest.fixture(scope="module")
def mini_his_pg(pg_server: URL) -> Iterator[URL]:
    """mini_his (20 patients) generated once for the module into its own PostgreSQL database."""
    name = unique_name()
    url = create_database(pg_server, name)
    engine = engine_for_url(url)
    generate(engine, patients=20, seed=5)
    engine.dispose()
    yield url
    drop_database(pg_server, name)


@pytest.fixture
def mini_his(installation: ServiceContext, mini_his_pg: URL) -> URL:
    """The module's mini_his database, registered in this test's installation."""
    register_server(installation, MINI_HIS, mini_his_pg)
    return mini_his_pg


def _catalog(url: URL, sql: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql))]
    engine.dispose()
    return rows


def _expected_edges(url: URL) -> list[tuple[str, str, str]]:
    """(table, referred table, label) per foreign key, as the page promises to label them."""
    edges = []
    for child, parent, own, referred in _catalog(url, _FOREIGN_KEYS):
        label = ", ".join(own) if own == referred else f"{', '.join(own)} → {', '.join(referred)}"
        edges.append((child, parent, label))
    return sorted(edges)


def _tables(url: URL) -> list[str]:
    rows = _catalog(
        url,
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    return sorted(name for (name,) in rows)


def _dot(at: AppTest) -> str:
    (chart,) = at.get("graphviz_chart")
    return chart.proto.spec


def _nodes(dot: str) -> list[str]:
    return sorted(_NODE.findall(dot))


def _edges(dot: str) -> list[tuple[str, str, str]]:
    return sorted(_EDGE.findall(dot))


def _open_on(datasource: str) -> AppTest:
    at = open_page("er-diagram")
    at.selectbox(key="er_datasource").select(datasource).run()
    assert not at.exception, [exception.value for exception in at.exception]
    return at


@pytest.mark.postgres
def test_diagram_has_a_node_per_table_and_an_edge_per_declared_foreign_key(mini_his: URL) -> None:
    tables, edges = _tables(mini_his), _expected_edges(mini_his)
    assert ("ovst", "patient", "hn") in edges  # visits → patient, the link everyone looks for

    at = _open_on(MINI_HIS)

    assert not at.error
    dot = _dot(at)
    assert _nodes(dot) == tables
    assert _edges(dot) == edges
    assert HIGHLIGHT_FILL not in dot  # nothing chosen yet
    captions = [caption.value for caption in at.caption]
    assert f"{len(tables)} tables and {len(edges)} foreign keys in schema public." in captions


@pytest.mark.postgres
def test_choosing_a_table_highlights_it_and_shows_its_create_columns_and_neighbours(
    mini_his: URL,
) -> None:
    edges = _expected_edges(mini_his)
    columns = _catalog(
        mini_his,
        "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = 'ovst' ORDER BY ordinal_position",
    )
    at = _open_on(MINI_HIS)
    at.selectbox(key="er_table").select("ovst").run()

    assert not at.exception and not at.error
    highlighted = [line for line in _dot(at).splitlines() if HIGHLIGHT_FILL in line]
    assert [line.split(" [")[0].strip() for line in highlighted] == ['"ovst"']

    shown_columns, shown_neighbours = (frame.value for frame in at.dataframe)
    assert list(shown_columns["column"]) == [name for name, _ in columns]
    assert list(shown_columns["nullable"]) == [nullable for _, nullable in columns]
    assert list(shown_columns.loc[shown_columns["primary_key"], "column"]) == ["vn"]
    assert sorted(shown_neighbours.itertuples(index=False, name=None)) == sorted(
        [("references", parent, label) for child, parent, label in edges if child == "ovst"]
        + [("referenced by", child, label) for child, parent, label in edges if parent == "ovst"]
    )

    (create,) = at.code
    assert create.language == "sql"
    assert create.value.startswith("CREATE TABLE ovst (")
    assert "FOREIGN KEY(hn) REFERENCES patient (hn)" in create.value
    assert all(name in create.value for name, _ in columns)

    at.toggle(key="er_only_near").set_value(True).run()
    near = {"ovst"} | {parent for child, parent, _ in edges if child == "ovst"}
    near |= {child for child, parent, _ in edges if parent == "ovst"}
    assert _nodes(_dot(at)) == sorted(near)


@pytest.mark.postgres
def test_the_schema_is_kept_for_the_session_until_reload_reads_it_again(mini_his: URL) -> None:
    at = _open_on(MINI_HIS)
    tables = _tables(mini_his)
    engine = create_engine(mini_his)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    'CREATE TABLE "ward note" '
                    "(id INTEGER PRIMARY KEY, hn VARCHAR(9) REFERENCES patient (hn))"
                )
            )
        at.run()
        assert _nodes(_dot(at)) == tables  # read once, not on every rerun

        at.button(key="er_reload").click().run()

        assert not at.exception and not at.error
        dot = _dot(at)
        assert _nodes(dot) == sorted([*tables, "ward note"])
        assert ("ward note", "patient", "hn") in _edges(dot)
        edges = len(_expected_edges(mini_his))
        assert [success.value for success in at.success] == [
            f"Read {MINI_HIS} again: {len(tables) + 1} tables, {edges} foreign keys."
        ]
    finally:
        with engine.begin() as connection:
            connection.execute(text('DROP TABLE IF EXISTS "ward note"'))
        engine.dispose()


@pytest.mark.mysql
def test_a_wrong_password_shows_one_line_and_no_diagram(
    installation: ServiceContext, mysql_server: URL
) -> None:
    # PostgreSQL trusts local logins whatever the password: MariaDB refuses a wrong one.
    wrong = "not-the-password-42"
    register_server(installation, "wrong password", mysql_server, password=wrong)

    at = _open_on("wrong password")

    assert not at.get("graphviz_chart")
    (error,) = at.error
    assert "\n" not in error.value.strip()
    assert "wrong user name or password" in error.value
    assert wrong not in error.value


def test_without_any_datasource_the_page_says_where_to_add_one(
    installation: ServiceContext,
) -> None:
    for name in (DEMO_SOURCE, DEMO_TARGET):
        delete_datasource(installation, name)

    at = open_page("er-diagram")

    assert [info.value for info in at.info] == ["No datasource yet — add one in Settings."]
    assert not at.selectbox and not at.error
