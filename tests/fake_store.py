"""An in-memory metadata store for the fakes: rows, transactions and the tables' constraints."""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError, StatementError

from repositories.orm import Base
from repositories.types import UtcDateTime

Rows = dict[str, dict[uuid.UUID, Any]]  # table name → id → stored model


@dataclass(frozen=True)
class _Rules:
    """What the real store enforces on one table."""

    unique: tuple[tuple[str, ...], ...]
    not_null: tuple[str, ...]
    references: tuple[tuple[str, str], ...]  # (column, referred table)
    json_columns: tuple[str, ...]
    utc_columns: tuple[str, ...]
    enums: dict[str, type]
    insert_defaults: dict[str, Callable[[], Any]]
    on_update: dict[str, Callable[[], Any]]


def _as_factory(default: Any) -> Callable[[], Any]:
    return (lambda: default.arg(None)) if default.is_callable else (lambda: default.arg)


def _rules(table: Table) -> _Rules:
    columns = list(table.columns)
    is_json = {c.name for c in columns if isinstance(c.type, JSON)}
    return _Rules(
        unique=tuple(
            tuple(c.name for c in constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        ),
        # A JSON None is stored as JSON null, which NOT NULL accepts.
        not_null=tuple(c.name for c in columns if not c.nullable and c.name not in is_json),
        references=tuple((fk.parent.name, fk.column.table.name) for fk in table.foreign_keys),
        json_columns=tuple(sorted(is_json)),
        utc_columns=tuple(c.name for c in columns if isinstance(c.type, UtcDateTime)),
        enums={c.name: c.type.enum_class for c in columns if isinstance(c.type, Enum)},
        # The ORM leaves a None attribute out of the INSERT, so the column default fills it in;
        # a JSON column is the exception (None is the JSON value null).
        insert_defaults={
            c.name: _as_factory(c.default)
            for c in columns
            if c.default is not None and c.name not in is_json
        },
        on_update={c.name: _as_factory(c.onupdate) for c in columns if c.onupdate is not None},
    )


# Read from repositories/orm.py, so the fakes enforce what the real tables do and cannot drift.
RULES = {table.name: _rules(table) for table in Base.metadata.sorted_tables}


def _referrers() -> dict[str, list[tuple[str, str, str]]]:
    """Referred table → (referring table, column, ON DELETE action) for every foreign key."""
    found: dict[str, list[tuple[str, str, str]]] = {name: [] for name in RULES}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            action = (fk.ondelete or "NO ACTION").upper()
            found[fk.column.table.name].append((table.name, fk.parent.name, action))
    return found


REFERRERS = _referrers()


def _integrity(message: str, statement: str) -> IntegrityError:
    # The same exception class (and the same driver message) the SQLite store raises.
    return IntegrityError(statement, None, sqlite3.IntegrityError(message))


def _key(model: Any, columns: tuple[str, ...]) -> tuple[Any, ...] | None:
    value = tuple(getattr(model, column) for column in columns)
    return None if None in value else value  # NULLs never clash in a UNIQUE constraint


def _check_row(rows: Rows, table: str, model: Any, *, statement: str) -> None:
    rules = RULES[table]
    for column in rules.not_null:
        if getattr(model, column) is None:
            raise _integrity(f"NOT NULL constraint failed: {table}.{column}", statement)
    for column, referred in rules.references:
        value = getattr(model, column)
        if value is not None and value not in rows[referred]:
            raise _integrity("FOREIGN KEY constraint failed", statement)
    for columns in rules.unique:
        key = _key(model, columns)
        for other in rows[table].values():
            if key is not None and other.id != model.id and _key(other, columns) == key:
                names = ", ".join(f"{table}.{column}" for column in columns)
                raise _integrity(f"UNIQUE constraint failed: {names}", statement)


def _check_all(rows: Rows) -> None:
    for table, stored in rows.items():
        for model in stored.values():
            _check_row(rows, table, model, statement=f"COMMIT ({table})")


class FakeStore:
    """The committed rows, shared by every unit of work of one fake context."""

    def __init__(self) -> None:
        self.rows: Rows = {name: {} for name in RULES}
        self._lock = threading.Lock()

    def snapshot(self) -> Rows:
        """A private copy of everything committed (a transaction's starting point)."""
        with self._lock:
            return copy.deepcopy(self.rows)

    def apply(self, rows: Rows, changed: set[tuple[str, uuid.UUID]]) -> None:
        """Commit the rows a transaction changed, or nothing if the result breaks a rule."""
        with self._lock:
            merged = {name: dict(table) for name, table in self.rows.items()}
            for table, item_id in changed:
                if item_id in rows[table]:
                    merged[table][item_id] = copy.deepcopy(rows[table][item_id])
                else:
                    merged[table].pop(item_id, None)
            # Another unit of work may have committed the same name, or removed a parent row,
            # since this one began: the real store refuses such a commit too.
            _check_all(merged)
            self.rows = merged


class Transaction:
    """One unit of work's working copy of the committed rows, and which of them it changed."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.open = True
        self.begin()

    def begin(self) -> None:
        """Start afresh from what is committed now, with nothing changed."""
        self.rows = self.store.snapshot()
        self.changed: set[tuple[str, uuid.UUID]] = set()

    def select(self, table: str) -> Iterable[Any]:
        """The working rows of `table` themselves (callers copy what they hand out)."""
        self._require_open()
        return self.rows[table].values()

    def get(self, table: str, item_id: uuid.UUID) -> Any:
        """A copy of row `item_id` of `table`, or None."""
        self._require_open()
        found = self.rows[table].get(item_id)
        return copy.deepcopy(found) if found is not None else None

    def insert(self, table: str, model: Any) -> None:
        """INSERT a copy of `model`: column defaults, NOT NULL, foreign keys, UNIQUE."""
        self._require_open()
        stored = self._stored(table, model, RULES[table].insert_defaults)
        statement = f"INSERT INTO {table}"
        if stored.id in self.rows[table]:
            raise _integrity(f"UNIQUE constraint failed: {table}.id", statement)
        _check_row(self.rows, table, stored, statement=statement)
        self._put(table, stored)

    def update(self, table: str, model: Any) -> None:
        """UPDATE the row with `model.id` to a copy of `model`; `LookupError` if there is none."""
        self._require_open()
        old = self.rows[table].get(model.id)
        if old is None:
            raise LookupError(f"{table} row {model.id} does not exist")
        stored = self._stored(table, model, {})
        changed = {
            f.name for f in fields(stored) if getattr(stored, f.name) != getattr(old, f.name)
        }
        # Like `onupdate=`: a changed row gets a fresh updated_at unless it was set explicitly.
        for column, value in RULES[table].on_update.items():
            if changed and column not in changed:
                setattr(stored, column, value())
        _check_row(self.rows, table, stored, statement=f"UPDATE {table}")
        self._put(table, stored)

    def delete(self, table: str, item_id: uuid.UUID) -> None:
        """DELETE a row (if there is one) with the ON DELETE rules of every foreign key to it."""
        self._require_open()
        if item_id not in self.rows[table]:
            return
        doomed = self._cascade(table, item_id)
        nulled: list[tuple[str, uuid.UUID, str]] = []
        for parent_table, parent_id in doomed:
            for child_table, column, action in REFERRERS[parent_table]:
                for child in self.rows[child_table].values():
                    if getattr(child, column) != parent_id or (child_table, child.id) in doomed:
                        continue
                    if action == "SET NULL":
                        nulled.append((child_table, child.id, column))
                    elif action != "CASCADE":  # RESTRICT, NO ACTION: the row is in use
                        raise _integrity("FOREIGN KEY constraint failed", f"DELETE FROM {table}")
        # Only now that nothing refused: a refused delete changes nothing at all.
        for child_table, child_id, column in nulled:
            # Fresh each time: one row may refer twice (a config's source and target).
            updated = copy.deepcopy(self.rows[child_table][child_id])
            setattr(updated, column, None)
            self._put(child_table, updated)
        for doomed_table, doomed_id in doomed:
            del self.rows[doomed_table][doomed_id]
            self.changed.add((doomed_table, doomed_id))

    def _cascade(self, table: str, item_id: uuid.UUID) -> set[tuple[str, uuid.UUID]]:
        doomed = {(table, item_id)}
        pending = [(table, item_id)]
        while pending:
            parent_table, parent_id = pending.pop()
            for child_table, column, action in REFERRERS[parent_table]:
                if action != "CASCADE":
                    continue
                for child in self.rows[child_table].values():
                    key = (child_table, child.id)
                    if getattr(child, column) == parent_id and key not in doomed:
                        doomed.add(key)
                        pending.append(key)
        return doomed

    def _require_open(self) -> None:
        # The real session would quietly begin a transaction nobody commits: writes lost.
        assert self.open, "a repository used outside `with uow:`"

    def _stored(self, table: str, model: Any, defaults: dict[str, Callable[[], Any]]) -> Any:
        rules = RULES[table]
        stored = copy.deepcopy(model)  # the caller's object and the stored row never alias
        for column, default in defaults.items():
            if getattr(stored, column) is None:
                setattr(stored, column, default())
        for column in rules.utc_columns:
            value = getattr(stored, column)
            if isinstance(value, datetime) and value.tzinfo is None:
                message = "naive datetime given to the metadata store; use UTC-aware values"
                raise StatementError(message, table, None, ValueError(message))
        for column, enum_class in rules.enums.items():
            value = getattr(stored, column)
            if value is not None:
                setattr(stored, column, enum_class(value))
        for column in rules.json_columns:
            # What the store keeps is JSON: tuples come back as lists, other types are refused.
            try:
                setattr(stored, column, json.loads(json.dumps(getattr(stored, column))))
            except (TypeError, ValueError) as error:
                raise StatementError(str(error), table, None, error) from None
        return stored

    def _put(self, table: str, stored: Any) -> None:
        self.rows[table][stored.id] = stored
        self.changed.add((table, stored.id))
