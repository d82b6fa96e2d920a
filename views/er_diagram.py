"""The ER Diagram page: a datasource's tables and foreign keys as a graph; one table in detail.

A schema is read once per datasource and kept for the session (reading every table of a big
HIS takes a while); "Reload" reads it again. The chosen table is highlighted in the graph and
shown with its CREATE statement, columns and neighbours.
"""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from controllers.datasource_controller import column_rows
from controllers.er_controller import (
    ErController,
    SchemaMap,
    neighbourhood,
    neighbours,
)
from services.context import ServiceContext
from utils.page_state import PageState
from views.components.flash import show_flash
from views.components.graph import GraphEdge, GraphNode, dot_source, show_graph
from views.shared.feedback import reported_errors

PAGE = "er"

_COLUMN_COLUMNS = {
    "column": "Column",
    "type": "Type",
    "nullable": "Nullable",
    "primary_key": "PK",
    "default": "Default",
}
_NEIGHBOUR_COLUMNS = {"direction": "Direction", "table": "Table", "columns": "Columns"}


def show(ctx: ServiceContext) -> None:
    """Draw the page on the shared service context."""
    render(ErController(ctx))


def render(controller: ErController) -> None:
    """Draw the whole page."""
    state = PageState(PAGE)
    st.title("ER Diagram")
    st.caption(
        "The tables of a datasource and the foreign keys between them. Choose a table to see "
        "its CREATE statement, its columns and the tables next to it."
    )
    show_flash(state)
    names = _load_names(controller)
    if names is None:
        return
    if not names:
        st.info("No datasource yet — add one in Settings.")
        return
    name = st.selectbox(
        "Datasource",
        names,
        index=None,
        placeholder="Choose a datasource",
        key=state.key("datasource"),
        on_change=state.forget,
        args=("table",),
    )
    if name is None:
        st.info("Choose a datasource to draw its tables and foreign keys.")
        return
    st.button(
        "Reload",
        key=state.key("reload"),
        help="Read the tables and foreign keys again (after the schema changed).",
        on_click=_on_reload,
        args=(controller, state, name),
    )
    schema_map = _schema_map(controller, state, name)
    if schema_map is None:
        return
    if not schema_map.tables:
        st.info(f"{name} has no tables in its default schema.")
        return
    _diagram(controller, state, schema_map)


# --- reading the schema (kept for the session) ---------------------------------------------


def _load_names(controller: ErController) -> list[str] | None:
    with reported_errors("reading the list of datasources"):
        return controller.datasource_names()
    return None


def _schema_map(controller: ErController, state: PageState, name: str) -> SchemaMap | None:
    schemas: dict[str, SchemaMap] = state.get("schemas") or {}
    if name not in schemas:
        with reported_errors("reading the tables and foreign keys"):
            with st.spinner(f"Reading the tables of {name}…"):
                schemas[name] = controller.schema_map(name)
            state.set("schemas", schemas)
    return schemas.get(name)


def _on_reload(controller: ErController, state: PageState, name: str) -> None:
    schemas: dict[str, SchemaMap] = state.get("schemas") or {}
    schemas.pop(name, None)
    statements: dict[tuple[str, str], str] = state.get("statements") or {}
    state.set("statements", {key: ddl for key, ddl in statements.items() if key[0] != name})
    with reported_errors(
        "reading the tables and foreign keys", report=lambda line: state.flash("error", line)
    ):
        schemas[name] = reloaded = controller.schema_map(name)
        state.set("schemas", schemas)
        # A table dropped since: nothing to highlight any more.
        state.keep_choice("table", reloaded.table_names)
        state.flash(
            "success",
            f"Read {name} again: {_count(len(reloaded.tables), 'table')}, "
            f"{_count(len(reloaded.relations), 'foreign key')}.",
        )


# --- the diagram and the chosen table -------------------------------------------------------


def _diagram(controller: ErController, state: PageState, schema_map: SchemaMap) -> None:
    where = f" in schema {schema_map.schema}" if schema_map.schema else ""
    st.caption(
        f"{_count(len(schema_map.tables), 'table')} and "
        f"{_count(len(schema_map.relations), 'foreign key')}{where}."
    )
    if not schema_map.relations:
        st.info(
            "No foreign keys are declared here, so the diagram shows the tables alone: many "
            "HIS databases keep their links in the application, not in the schema."
        )
    table = st.selectbox(
        "Table",
        schema_map.table_names,
        index=None,
        placeholder="Choose a table to highlight",
        key=state.key("table"),
    )
    only_near = st.toggle(
        "Only the chosen table and its neighbours",
        key=state.key("only_near"),
        disabled=table is None,
    )
    shown = neighbourhood(schema_map, table) if table and only_near else None
    show_graph(
        dot_source(*_graph(schema_map, shown), highlight=table),
        key=state.key("graph"),
        alt=f"ER diagram of {schema_map.datasource}: {_count(len(schema_map.tables), 'table')}",
    )
    if table is not None:
        _table_panel(controller, state, schema_map, table)


def _graph(
    schema_map: SchemaMap, shown: set[str] | None
) -> tuple[list[GraphNode], list[GraphEdge]]:
    def visible(name: str) -> bool:
        return shown is None or name in shown

    nodes = [
        GraphNode(
            table.name,
            tooltip=f"{_count(len(table.columns), 'column')}; "
            f"primary key: {', '.join(table.primary_key) or 'none'}",
        )
        for table in schema_map.tables
        if visible(table.name)
    ]
    nodes += [
        GraphNode(name, tooltip="A table of another schema", dashed=True)
        for name in schema_map.outside_tables
        if visible(name)
    ]
    edges = [
        GraphEdge(relation.table, relation.referred_table, relation.label)
        for relation in schema_map.relations
        if visible(relation.table) and visible(relation.referred_table)
    ]
    return nodes, edges


def _table_panel(
    controller: ErController, state: PageState, schema_map: SchemaMap, table: str
) -> None:
    st.subheader(table)
    detail = schema_map.table(table)
    st.dataframe(
        [asdict(row) for row in column_rows(detail)],
        hide_index=True,
        column_config=_COLUMN_COLUMNS,
        key=state.key("columns"),
    )
    near = neighbours(schema_map, table)
    if near:
        st.dataframe(
            [asdict(neighbour) for neighbour in near],
            hide_index=True,
            column_config=_NEIGHBOUR_COLUMNS,
            key=state.key("neighbours"),
        )
    else:
        st.caption(f"No foreign key links {table} to another table.")
    statement = _create_statement(controller, state, schema_map.datasource, table)
    if statement is not None:
        st.code(statement, language="sql")


def _create_statement(
    controller: ErController, state: PageState, datasource: str, table: str
) -> str | None:
    statements: dict[tuple[str, str], str] = state.get("statements") or {}
    if (datasource, table) not in statements:
        with reported_errors("reading the table's CREATE statement"):
            statements[(datasource, table)] = controller.create_statement(datasource, table)
            state.set("statements", statements)
    return statements.get((datasource, table))


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
