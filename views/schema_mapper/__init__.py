"""The Schema Mapper page (url_path "mapper"): `show(ctx)` draws it."""

from views.schema_mapper.page import show

__all__ = ["show"]
