"""HTTP routes of the registered plugins: transformers, validators and dialects (read-only)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.base.collection import CollectionQueryDep, present_page
from api.base.documents import CollectionOut, DocumentOut, error_responses
from api.base.resource import present
from api.plugins.schemas import DialectOut, TransformerOut, ValidatorOut
from services import plugins

router = APIRouter(tags=["plugins"])

_TRANSFORMERS = "/plugins/transformers"
_VALIDATORS = "/plugins/validators"
_DIALECTS = "/dialects"


@router.get(_TRANSFORMERS, responses=error_responses(400))
def list_transformers(query: CollectionQueryDep, request: Request) -> CollectionOut[TransformerOut]:
    """The transformers a mapping can apply to a column, by name; `filter[family]=dates`."""
    items = ((plugin.name, plugin) for plugin in plugins.list_transformers())
    return present_page(TransformerOut, items, query, request)


@router.get(_TRANSFORMERS + "/{name}", responses=error_responses(404))
def get_transformer(name: str) -> DocumentOut[TransformerOut]:
    """One transformer, by name (case-insensitive); a misspelt name gets a suggestion."""
    plugin = plugins.get_transformer_info(name)
    return present(TransformerOut, plugin.name, plugin)


@router.get(_VALIDATORS, responses=error_responses(400))
def list_validators(query: CollectionQueryDep, request: Request) -> CollectionOut[ValidatorOut]:
    """The validators a mapping can attach to a column, by name."""
    items = ((plugin.name, plugin) for plugin in plugins.list_validators())
    return present_page(ValidatorOut, items, query, request)


@router.get(_VALIDATORS + "/{name}", responses=error_responses(404))
def get_validator(name: str) -> DocumentOut[ValidatorOut]:
    """One validator, by name (case-insensitive); a misspelt name gets a suggestion."""
    plugin = plugins.get_validator_info(name)
    return present(ValidatorOut, plugin.name, plugin)


@router.get(_DIALECTS, responses=error_responses(400))
def list_dialects(query: CollectionQueryDep, request: Request) -> CollectionOut[DialectOut]:
    """The database engines a datasource can be (its `db_type`), by name."""
    items = ((dialect.name, dialect) for dialect in plugins.list_dialects())
    return present_page(DialectOut, items, query, request)


@router.get(_DIALECTS + "/{name}", responses=error_responses(404))
def get_dialect(name: str) -> DocumentOut[DialectOut]:
    """One database engine, by name (case-insensitive); a misspelt name gets a suggestion."""
    dialect = plugins.get_dialect_info(name)
    return present(DialectOut, dialect.name, dialect)
