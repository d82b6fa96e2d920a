"""Collections the JSON:API way: `page[number]`, `page[size]`, `sort` and `filter[…]`.

Every list route takes `CollectionQueryDep` and hands its items to `present_page`: the
resource objects are built first, then filtered, sorted and cut into a page on their
attributes, so a route cannot sort on something its documents do not show (a password).
The metadata store's lists are small (datasources, configs, runs: hundreds); rows that can
number millions (rejects) are paged by their service instead, with `page_of`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request

from api.base.documents import (
    AttributesT,
    CollectionLinks,
    CollectionMeta,
    CollectionOut,
    ResourceOut,
)
from api.base.resource import ResourceId, resource
from services.errors import InvalidQuery

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_FILTER_PREFIX, _FILTER_SUFFIX = "filter[", "]"


@dataclass(frozen=True, slots=True)
class CollectionQuery:
    """What a client asked of a collection: which page, in which order, which members."""

    number: int = 1
    size: int = DEFAULT_PAGE_SIZE
    sort: tuple[str, ...] = ()  # attribute names, "-" first for descending
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # attribute → any of

    @property
    def offset(self) -> int:
        """How many items come before the page."""
        return (self.number - 1) * self.size


async def collection_query(
    request: Request,
    page_number: Annotated[int, Query(alias="page[number]", ge=1, le=1_000_000)] = 1,
    page_size: Annotated[
        int,
        Query(alias="page[size]", ge=1, le=MAX_PAGE_SIZE, description="At most 200."),
    ] = DEFAULT_PAGE_SIZE,
    sort: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Attributes, comma-separated; '-' before one sorts it descending.",
            examples=["-created_at,name"],
        ),
    ] = None,
) -> CollectionQuery:
    """The collection parameters of a request; `filter[<attribute>]=a,b` keeps a or b.

    `async` although it awaits nothing: FastAPI runs a plain `def` dependency on its thread
    pool, and that hop costs more than parsing the parameters.
    """
    filters: dict[str, tuple[str, ...]] = {}
    for name, value in request.query_params.multi_items():
        if name.startswith(_FILTER_PREFIX) and name.endswith(_FILTER_SUFFIX):
            attribute = name[len(_FILTER_PREFIX) : -len(_FILTER_SUFFIX)]
            wanted = tuple(part.strip() for part in value.split(","))
            filters[attribute] = filters.get(attribute, ()) + wanted
    order = tuple(part.strip() for part in (sort or "").split(",") if part.strip())
    return CollectionQuery(page_number, page_size, order, filters)


CollectionQueryDep = Annotated[CollectionQuery, Depends(collection_query)]


def present_page(
    attributes_model: type[AttributesT],
    items: Iterable[tuple[ResourceId, object]],
    query: CollectionQuery,
    request: Request,
    *,
    default_sort: Sequence[str] = (),
) -> CollectionOut[AttributesT]:
    """One page of a collection, filtered and sorted on its resources' attributes.

    Raises:
        InvalidQuery: a sort or filter names an attribute the resource does not have.
    """
    resources = [resource(attributes_model, id_, source) for id_, source in items]
    known = set(attributes_model.model_fields) | {"id"}
    for attribute in query.filters:
        _require_known(attribute, known, f"filter[{attribute}]")
    for key in query.sort:
        _require_known(key.removeprefix("-"), known, "sort")
    kept = [item for item in resources if _matches(item, query.filters)]
    # Python's sort is stable: applying the keys from the last to the first sorts by all.
    for key in reversed(tuple(query.sort) or tuple(default_sort)):
        name = key.removeprefix("-")
        kept.sort(key=lambda item, name=name: _sort_key(_value(item, name)), reverse=key[0] == "-")
    return page_of(attributes_model, kept, len(kept), query, request, sliced=False)


def page_of(
    attributes_model: type[AttributesT],
    resources: list[ResourceOut[AttributesT]],
    total: int,
    query: CollectionQuery,
    request: Request,
    *,
    sliced: bool = True,
) -> CollectionOut[AttributesT]:
    """The collection document of one page; `sliced` when `resources` is the page already
    (a service paged it), else the page is cut from the whole list here."""
    page = resources if sliced else resources[query.offset : query.offset + query.size]
    last = max(1, math.ceil(total / query.size))
    page_url = _PageUrls(request, query.size)
    links = CollectionLinks(
        self=page_url(query.number),
        first=page_url(1),
        last=page_url(last),
        prev=page_url(query.number - 1) if query.number > 1 else None,
        next=page_url(query.number + 1) if query.number < last else None,
    )
    meta = CollectionMeta(count=len(page), total=total, page=query.number, page_size=query.size)
    return CollectionOut[attributes_model](data=page, meta=meta, links=links)  # type: ignore[valid-type]


def _require_known(attribute: str, known: set[str], parameter: str) -> None:
    if attribute not in known:
        raise InvalidQuery(
            f"{parameter}: no attribute {attribute!r} (use one of: {', '.join(sorted(known))}).",
            parameter=parameter,
        )


def _value(item: ResourceOut[Any], name: str) -> Any:
    return item.id if name == "id" else getattr(item.attributes, name)


def _matches(item: ResourceOut[Any], filters: dict[str, tuple[str, ...]]) -> bool:
    return all(_as_text(_value(item, name)) in wanted for name, wanted in filters.items())


def _as_text(value: Any) -> str:
    # What a client writes in a URL: true/false, the enum's value, an ISO date.
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _sort_key(value: Any) -> tuple[int, Any]:
    # Nulls last; values of different kinds never compared with each other.
    if value is None:
        return (2, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, _as_text(value).casefold())


class _PageUrls:
    """The URL of page n: the request's own, its other parameters kept, in their order."""

    def __init__(self, request: Request, size: int) -> None:
        kept = [
            (name, value)
            for name, value in request.query_params.multi_items()
            if name not in ("page[number]", "page[size]")
        ]
        self._base = str(request.url.replace(query=None))
        self._rest = urlencode(kept + [("page[size]", str(size))])

    def __call__(self, number: int) -> str:
        return f"{self._base}?{urlencode([('page[number]', str(number))])}&{self._rest}"
