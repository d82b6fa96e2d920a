"""Present what a service returned as a JSON:API document, in one line per route."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence

from api.base.documents import (
    Attributes,
    AttributesT,
    CollectionMeta,
    CollectionOut,
    DocumentOut,
    IncludedResource,
    Relationship,
    ResourceIdentifier,
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
    relationships: Mapping[str, Relationship] | None = None,
) -> ResourceOut[AttributesT]:
    """One resource object of the type `attributes_model` declares.

    Args:
        attributes_model: the resource's `XOut` model; it names the JSON:API type.
        id_: the resource's identifier (JSON:API ids are strings; a UUID is written as one).
        source: what the service returned (a dataclass, a mapping or an `XOut`); read into
            `attributes_model` field by field, so nothing it does not declare (a password's
            ciphertext) can reach the response.
        self_link: where the resource can be fetched, when the route knows it.
        relationships: the resource's relationships by name (see `to_many`, `to_one`).
    """
    attributes = attributes_model.model_validate(source, from_attributes=True)
    links = ResourceLinks(self=self_link) if self_link is not None else None
    return ResourceOut[attributes_model](  # type: ignore[valid-type]
        type=attributes_model.resource_type,
        id=str(id_),
        attributes=attributes,
        relationships=dict(relationships) if relationships is not None else None,
        links=links,
    )


def present(
    attributes_model: type[AttributesT],
    id_: ResourceId,
    source: object,
    *,
    self_link: str | None = None,
    relationships: Mapping[str, Relationship] | None = None,
    included: Sequence[IncludedResource] | None = None,
) -> DocumentOut[AttributesT]:
    """A document holding one resource: `{"data": {"type", "id", "attributes"}}`, with
    `relationships` when given and `included` when the client asked for some (`?include=`);
    each member is absent, not null, when not given."""
    data = resource(attributes_model, id_, source, self_link=self_link, relationships=relationships)
    # The parametrised class, so the route's response model takes the object as it is.
    return DocumentOut[attributes_model](  # type: ignore[valid-type]
        data=data, included=list(included) if included is not None else None
    )


def to_many(resource_type: str, ids: Iterable[ResourceId]) -> Relationship:
    """A to-many relationship: `{"data": [{"type", "id"}, ...]}`, in the order given."""
    return Relationship(data=[ResourceIdentifier(type=resource_type, id=str(i)) for i in ids])


def to_one(resource_type: str, id_: ResourceId | None) -> Relationship:
    """A to-one relationship: `{"data": {"type", "id"}}`, or `{"data": null}` when empty."""
    if id_ is None:
        return Relationship(data=None)
    return Relationship(data=ResourceIdentifier(type=resource_type, id=str(id_)))


def included_resource(
    attributes_model: type[Attributes],
    id_: ResourceId,
    source: object,
    *,
    relationships: Mapping[str, Relationship] | None = None,
) -> IncludedResource:
    """A resource object for `included`, its attributes read through `attributes_model` (so,
    as in `resource`, nothing the model does not declare can leave)."""
    attributes = attributes_model.model_validate(source, from_attributes=True)
    return IncludedResource(
        type=attributes_model.resource_type,
        id=str(id_),
        attributes=attributes.model_dump(mode="json", by_alias=True),
        relationships=dict(relationships) if relationships is not None else None,
    )


def present_many(
    attributes_model: type[AttributesT], items: Iterable[tuple[ResourceId, object]]
) -> CollectionOut[AttributesT]:
    """A document holding one resource per (id, source) pair, in order, and their count."""
    data = [resource(attributes_model, id_, source) for id_, source in items]
    return CollectionOut[attributes_model](  # type: ignore[valid-type]
        data=data, meta=CollectionMeta(count=len(data))
    )
