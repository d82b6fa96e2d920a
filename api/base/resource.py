"""Present what a service returned as a JSON:API document, in one line per route."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from api.base.documents import (
    AttributesT,
    CollectionMeta,
    CollectionOut,
    DocumentOut,
    ResourceLinks,
    ResourceOut,
)

ResourceId = str | uuid.UUID


def resource(
    attributes_model: type[AttributesT],
    id_: ResourceId,
    source: object,
    *,
    self_link: str | None = None,
) -> ResourceOut[AttributesT]:
    """One resource object of the type `attributes_model` declares.

    Args:
        attributes_model: the resource's `XOut` model; it names the JSON:API type.
        id_: the resource's identifier (JSON:API ids are strings; a UUID is written as one).
        source: what the service returned (a dataclass, a mapping or an `XOut`); read into
            `attributes_model` field by field, so nothing it does not declare (a password's
            ciphertext) can reach the response.
        self_link: where the resource can be fetched, when the route knows it.
    """
    attributes = attributes_model.model_validate(source, from_attributes=True)
    links = ResourceLinks(self=self_link) if self_link is not None else None
    return ResourceOut[attributes_model](  # type: ignore[valid-type]
        type=attributes_model.resource_type, id=str(id_), attributes=attributes, links=links
    )


def present(
    attributes_model: type[AttributesT],
    id_: ResourceId,
    source: object,
    *,
    self_link: str | None = None,
) -> DocumentOut[AttributesT]:
    """A document holding one resource: `{"data": {"type", "id", "attributes"}}`."""
    data = resource(attributes_model, id_, source, self_link=self_link)
    # The parametrised class, so the route's response model takes the object as it is.
    return DocumentOut[attributes_model](data=data)  # type: ignore[valid-type]


def present_many(
    attributes_model: type[AttributesT], items: Iterable[tuple[ResourceId, object]]
) -> CollectionOut[AttributesT]:
    """A document holding one resource per (id, source) pair, in order, and their count."""
    data = [resource(attributes_model, id_, source) for id_, source in items]
    return CollectionOut[attributes_model](  # type: ignore[valid-type]
        data=data, meta=CollectionMeta(count=len(data))
    )
