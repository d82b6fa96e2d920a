"""Pure data: dataclasses and pydantic models with no I/O and no framework imports."""
