"""The terminal shows our lines only: what native code prints on stderr goes to the log.

The fast reader (connectorx, Rust) prints a panic message on file descriptor 2 when it meets
a value it cannot read (a MySQL zero date, TIME beyond 24 h), even though the engine catches
the panic and carries on with the driver. Python's warnings (a driver's UserWarning) would
print there too. Both belong in the log file, as one line, never on the user's terminal.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger("his_analyzer.native")

_PANIC = "panicked at"
# A panic's report ends with a "note: …" line, after its message and any backtrace frames.
_PANIC_END = "note: "
_PANIC_MAX_LINES = 400


def keep_native_output_off_the_terminal() -> None:
    """Give Python's stderr its own copy of the terminal, and send what is still written to
    file descriptor 2 (native code) through a filter: Rust panics become one log line, any
    other native output still reaches the terminal. Python warnings go to the log."""
    logging.captureWarnings(True)
    warnings_log = logging.getLogger("py.warnings")
    warnings_log.addHandler(logging.NullHandler())  # never logging's last-resort stderr
    try:
        terminal = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:  # no stderr at all (a daemon): nothing to protect
        return
    sys.stderr.flush()
    sys.stderr = os.fdopen(terminal, "w", encoding="utf-8", errors="replace", buffering=1)
    os.dup2(write_end, 2)
    os.close(write_end)
    threading.Thread(target=_filter, args=(read_end,), name="native-stderr", daemon=True).start()


def _filter(read_end: int) -> None:
    panic: list[str] = []
    with os.fdopen(read_end, encoding="utf-8", errors="replace") as native:
        for line in native:
            text = line.rstrip("\n")
            if panic or _PANIC in text:
                panic.append(text.strip())
                if text.startswith(_PANIC_END) or len(panic) >= _PANIC_MAX_LINES:
                    _log_panic(panic)
                    panic = []
                continue
            sys.stderr.write(line)
    if panic:
        _log_panic(panic)


def _log_panic(lines: list[str]) -> None:
    message = " ".join(line for line in lines if line and not line.startswith(_PANIC_END))
    log.warning("native code reported (the engine carried on): %s", message[:500])
