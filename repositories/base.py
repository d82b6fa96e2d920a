"""A generic SQLAlchemy repository that converts between ORM rows and model dataclasses."""

from __future__ import annotations

import uuid
from dataclasses import fields
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from repositories.orm import Base
from utils.ids import as_uuid

ModelT = TypeVar("ModelT")
RowT = TypeVar("RowT", bound=Base)


def row_to_model(row: Base, model_type: type[ModelT]) -> ModelT:
    """Copy a row's columns into a new model of the same field names."""
    return model_type(**{f.name: getattr(row, f.name) for f in fields(model_type)})  # type: ignore[arg-type]


def copy_model_to_row(model: Any, row: Base) -> None:
    """Copy every field of a model onto a row (id included)."""
    for f in fields(model):
        setattr(row, f.name, getattr(model, f.name))


class SqlRepository(Generic[ModelT, RowT]):
    """add/get/list/update/delete for one table; subclasses add their own finders.

    Never commits: the unit of work that owns the session does.
    """

    row_type: type[RowT]
    model_type: type[ModelT]
    order_by: str = "name"

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, model: ModelT) -> None:
        self._insert(self.row_type, model)

    def get(self, item_id: uuid.UUID) -> ModelT | None:
        row = self.session.get(self.row_type, item_id)
        return row_to_model(row, self.model_type) if row is not None else None

    def list(self) -> list[ModelT]:
        query = select(self.row_type).order_by(getattr(self.row_type, self.order_by))
        return [row_to_model(row, self.model_type) for row in self.session.scalars(query)]

    def update(self, model: ModelT) -> None:
        row = self.session.get(self.row_type, model.id)  # type: ignore[attr-defined]
        if row is None:
            raise LookupError(f"{self.row_type.__tablename__} row {model.id} does not exist")  # type: ignore[attr-defined]
        copy_model_to_row(model, row)
        self.session.flush()

    def delete(self, item_id: uuid.UUID) -> None:
        self._remove(self.row_type, item_id)

    def _insert(self, row_type: type[Base], model: Any) -> None:
        row = row_type()
        copy_model_to_row(model, row)
        self.session.add(row)
        self.session.flush()

    def _remove(self, row_type: type[Base], item_id: uuid.UUID) -> None:
        row = self.session.get(row_type, item_id)
        if row is not None:
            self.session.delete(row)
            self.session.flush()

    def _find_one(self, **criteria: Any) -> ModelT | None:
        row = self.session.scalars(select(self.row_type).filter_by(**criteria)).first()
        return row_to_model(row, self.model_type) if row is not None else None


class NamedSqlRepository(SqlRepository[ModelT, RowT]):
    """A table whose rows have a unique `name`: people name them by it, or by their id."""

    def get_by_name(self, name: str) -> ModelT | None:
        """The item called `name`, or None."""
        return self._find_one(name=name)

    def get_by_name_or_id(self, key: str | uuid.UUID) -> ModelT | None:
        """The item called `key`, else the one whose id `key` is; None when neither exists."""
        # Name first: a name that happens to look like a UUID still finds the item it names.
        found = self._find_one(name=str(key))
        if found is None and (item_id := as_uuid(key)) is not None:
            found = self.get(item_id)
        return found
