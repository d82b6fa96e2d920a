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


class QueryStringFilter(logging.Filter):
    """Drops the query string from an access-log record's path: a `filter[hn]=…` or a search
    term in a URL can be a patient identifier, and a log outlives the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, its path cut at '?' (uvicorn's args: client, method, path, …)."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            if mark:
                record.args = (*args[:2], f"{path}?…", *args[3:])
        return True
