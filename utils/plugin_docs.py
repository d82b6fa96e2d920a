"""Describes a plugin's parameter model in words, for listings (CLI, API, dashboard help)."""

from __future__ import annotations

import types
from typing import Any, Literal, NamedTuple, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined


class ParamDoc(NamedTuple):
    """One parameter: its name, type, default ("required" when it has none) and description."""

    name: str
    type: str
    default: str
    description: str


def describe_params(model: type[BaseModel]) -> list[ParamDoc]:
    """The fields of a plugin's Params model as (name, type, default, description) rows."""
    docs = []
    for name, info in model.model_fields.items():
        if info.is_required():
            default = "required"
        elif info.default_factory is not None:
            default = repr(info.default_factory())  # type: ignore[call-arg]
        else:
            default = "—" if info.default is PydanticUndefined else repr(info.default)
        docs.append(ParamDoc(name, type_name(info.annotation), default, info.description or ""))
    return docs


def type_name(annotation: Any) -> str:
    """`float | date | None` → 'float | date | None'; Literal['a', 'b'] → "'a' | 'b'"."""
    origin = get_origin(annotation)
    if origin is Literal:
        return " | ".join(repr(arg) for arg in get_args(annotation))
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(arg) for arg in get_args(annotation))
    if annotation is type(None):
        return "None"
    if origin is not None:
        return f"{type_name(origin)}[{', '.join(type_name(a) for a in get_args(annotation))}]"
    return getattr(annotation, "__name__", str(annotation))


def format_params(model: type[BaseModel]) -> str:
    """The parameters as lines "name: type = default — description", or "none"."""
    lines = []
    for doc in describe_params(model):
        default = " (required)" if doc.default == "required" else f" = {doc.default}"
        about = f" — {doc.description}" if doc.description else ""
        lines.append(f"{doc.name}: {doc.type}{default}{about}")
    return "\n".join(lines) or "none"
