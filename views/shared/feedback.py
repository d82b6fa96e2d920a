"""Turning failures into one line for the user: a HisError's message, or a generic line."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

import streamlit as st

from services.errors import HisError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def reported_errors(action: str, report: Callable[[str], object] | None = None) -> Iterator[None]:
    """Run the block; on failure show one line instead of a stack trace.

    A `HisError` already carries a message meant for a hospital IT person. Anything else is a
    bug: its traceback goes to the log, the user gets a generic line. Streamlit's own rerun and
    stop signals derive from BaseException and pass through untouched.

    Args:
        action: what was being done, in words ("testing the connection").
        report: where the line goes; `st.error` by default, a flash setter inside callbacks.
    """
    show = report or st.error
    try:
        yield
    except HisError as error:
        show(error.message)
    except Exception:
        log.exception("unexpected error while %s", action)
        show(f"Something went wrong while {action}. The details are in the server log.")
