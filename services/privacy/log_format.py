"""The application's log format, with citizen IDs masked in every line and traceback."""

from __future__ import annotations

import logging

from services.privacy.masking import scrub_cids

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """A Formatter whose output never holds a valid Thai citizen ID.

    Database errors can quote the row they failed on; whatever reaches a log goes through here.
    """

    def __init__(self, fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record (message, exception and stack) with citizen IDs masked."""
        return scrub_cids(super().format(record))
