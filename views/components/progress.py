"""A ProgressSink that draws one progress bar per subject (a table, a step) as events arrive."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from models.progress import ProgressEvent, ProgressKind


class ProgressBars:
    """Pass an instance as a service's `progress=`: each new subject gets its own bar, in order.

    It must be called on the script's thread (the service runs inline in the page's run), where
    Streamlit draws; the bars stay on the page until the next rerun.
    """

    def __init__(self, *, unit: str = "rows") -> None:
        self.unit = unit
        # One container holds every bar, so bars added later stay together under the first.
        self._area = st.container()
        self._bars: dict[str, DeltaGenerator] = {}

    def __call__(self, event: ProgressEvent) -> None:
        """Move (or create) the bar of `event.subject` to where the event says it stands."""
        bar = self._bars.get(event.subject)
        if bar is None:
            bar = self._bars[event.subject] = self._area.progress(0.0, text=event.subject)
        bar.progress(_fraction(event), text=self._text(event))

    def _text(self, event: ProgressEvent) -> str:
        if event.kind is ProgressKind.FAILED:
            return f"{event.subject}: failed — {event.message or 'see the message below'}"
        if event.total:
            return f"{event.subject}: {event.done:,} of {event.total:,} {self.unit}"
        return f"{event.subject}: {event.done:,} {self.unit}"


def _fraction(event: ProgressEvent) -> float:
    if event.kind is ProgressKind.FINISHED:
        return 1.0
    if not event.total:
        # Nothing to count (an empty table) is done once it advanced; a start is at zero.
        return 1.0 if event.kind is ProgressKind.ADVANCED else 0.0
    return min(max(event.done / event.total, 0.0), 1.0)
