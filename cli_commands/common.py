"""What every command shares: the consoles, the service context, the log file."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from config import get_settings
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.installation import store_hint
from services.privacy import RedactingFormatter

# Data is shown as written: no console reads "[...]" as markup, ":name:" as an emoji or
# highlights numbers and paths, whatever a call forgets. soft_wrap: an error is one line, even
# on an 80-column terminal.
_AS_WRITTEN = {"markup": False, "emoji": False, "highlight": False, "soft_wrap": True}
out = Console(**_AS_WRITTEN)
err = Console(stderr=True, **_AS_WRITTEN)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def service_context() -> ServiceContext:
    """The service context of this command run, built once; logs go to the data folder."""
    settings = get_settings()
    _log_to_file(settings.log_file, settings.log_level)
    return bootstrap(settings)


def _log_to_file(path: Path, level: str) -> None:
    # Tracebacks belong in the log, never on the user's terminal.
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level.upper())


def print_nothing_in_store(ctx: ServiceContext, what: str) -> None:
    """An empty listing says where it looked: a wrong HIS_DATA_DIR is the usual reason."""
    out.print(f"No {what} in {store_hint(ctx.settings)}.")


def add_plain_row(table: Table, *cells: str) -> None:
    """Add a row whose cells are shown as written: "[x]" or ":a:" in data is not rich markup."""
    table.add_row(*(Text(cell) for cell in cells))
