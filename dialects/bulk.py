"""What code outside dialects/ may use of the bulk-load machinery: its error and text form.

The encoders themselves stay private (dialects/_text_rows.py, _arrow_text.py, _load_data.py):
services load through `Dialect.bulk_load`, `encode_batch` and `load_encoded`.
"""

from __future__ import annotations

from dialects._text_rows import BulkLoadError, text_field

__all__ = ["BulkLoadError", "text_field"]
