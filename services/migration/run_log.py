"""The log file of one migration run: timestamped lines, with secrets and identifiers masked."""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from types import TracebackType

from services.privacy import RedactingFormatter
from services.privacy.secrets import mask_secrets
from utils.text import one_line

#: Longest step name kept in a file name, in UTF-8 bytes (a Thai letter takes 3; most file
#: systems allow 255 bytes per name).
NAME_BYTES = 120


def safe_name(name: str) -> str:
    """`name` usable in a file name on any system: letters (Thai too), marks, digits, - and .
    stay; anything else becomes _, and a name made of nothing usable becomes "step"."""
    kept = "".join(
        char if unicodedata.category(char)[0] in "LMN" or char in "-." else "_" for char in name
    )
    kept = re.sub(r"_+", "_", kept).strip("._")
    kept = kept.encode("utf-8")[:NAME_BYTES].decode("utf-8", errors="ignore").rstrip("._")
    return kept or "step"


class _RunLogFormatter(RedactingFormatter):
    """ISO-8601 local time and level at the start of every line, a traceback's lines too."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created).astimezone()
        return moment.isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        # RedactingFormatter masks citizen IDs in the message and the traceback.
        first, *rest = mask_secrets(super().format(record)).split("\n")
        prefix = f"{record.asctime} {record.levelname} "
        return "\n".join([first, *(prefix + line for line in rest)])


class MigrationLogger:
    """One log file per run: logs/migration_<NAME>_<YYYYmmdd_HHMMSS>.log.

    Every line starts with an ISO timestamp and the level. Nothing reaches the file without
    passing the masking: citizen IDs (checksum-valid 13-digit runs), passwords in URLs and
    key=value pairs, and the row values database errors quote. The logger writes only to its
    own file, never to the application's log.
    """

    def __init__(self, directory: Path, step: str, *, now: datetime | None = None) -> None:
        """Create the log file for a run of `step` (a new name if a run started the same second).

        Args:
            directory: Folder of the run logs; created when missing.
            step: The step's (config's) name; made safe for a file name.
            now: The run's start, which names the file (default: now).
        """
        directory.mkdir(parents=True, exist_ok=True)
        stem = f"migration_{safe_name(step)}_{(now or datetime.now()):%Y%m%d_%H%M%S}"
        self.path: Path = _new_file(directory, stem)
        self._handler = logging.FileHandler(self.path, mode="a", encoding="utf-8")
        self._handler.setFormatter(_RunLogFormatter())
        # A Logger made directly (not logging.getLogger) stays out of the global registry:
        # no leak per run, no parent to propagate to.
        self._logger = logging.Logger(f"his.migration.{self.path.stem}", logging.INFO)
        self._logger.propagate = False
        self._logger.addHandler(self._handler)
        self._closed = False

    def info(self, message: str, *args: object) -> None:
        """Log `message % args` at INFO."""
        self._log(logging.INFO, message, args)

    def warning(self, message: str, *args: object) -> None:
        """Log `message % args` at WARNING."""
        self._log(logging.WARNING, message, args)

    def error(self, message: str, *args: object, exc: BaseException | None = None) -> None:
        """Log `message % args` at ERROR; with `exc`, its one-line message and its traceback."""
        self._log(logging.ERROR, message, args, exc)

    def batch(
        self, number: int, rows: int, loaded: int, rejected: int, seconds: float, total_rows: int
    ) -> None:
        """Log one batch in one line, with its speed in rows per second.

        Args:
            number: The batch's number in this run (1 for the first).
            rows: Rows read in this batch.
            loaded: Rows of the batch written to the target.
            rejected: Rows of the batch kept out (transform, validation or load refusals).
            seconds: Time the batch took, reading to commit.
            total_rows: Rows read by this run so far, this batch included.
        """
        rate = f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "- rows/s"
        self.info(
            "batch %d: %s rows read, %s loaded, %s rejected in %.3f s (%s); %s rows so far",
            number,
            f"{rows:,}",
            f"{loaded:,}",
            f"{rejected:,}",
            seconds,
            rate,
            f"{total_rows:,}",
        )

    def close(self) -> None:
        """Flush and close the file; later calls (and logging after it) do nothing."""
        if self._closed:
            return
        self._closed = True
        self._logger.removeHandler(self._handler)
        self._handler.close()

    def __enter__(self) -> MigrationLogger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _log(
        self,
        level: int,
        message: str,
        args: tuple[object, ...],
        exc: BaseException | None = None,
    ) -> None:
        if self._closed:
            return  # the file is gone; with no handler logging would print to stderr unmasked
        try:
            text = message % args if args else message
        except (TypeError, ValueError):
            text = f"{message} {args!r}"  # a malformed message must not stop a migration
        if exc is None:
            self._logger.log(level, "%s", text)
            return
        self._logger.log(
            level,
            "%s: %s: %s",
            text,
            type(exc).__name__,
            one_line(exc),
            exc_info=(type(exc), exc, exc.__traceback__),
        )


def _new_file(directory: Path, stem: str) -> Path:
    # Created exclusively, so two runs of one step started in the same second never share a
    # file: the second gets _2.
    for attempt in range(1, 1000):
        path = directory / (f"{stem}.log" if attempt == 1 else f"{stem}_{attempt}.log")
        try:
            path.open("x", encoding="utf-8").close()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"Too many run logs named {stem} in {directory}.")
