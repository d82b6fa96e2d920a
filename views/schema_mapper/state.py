"""The Schema Mapper's session state: its widget keys, its draft and what it read of each side.

The draft (`MappingDraft`) is the one truth of the editor. Its widgets are drawn from it on
every run and write back into it in their `on_change` callbacks, so a widget Streamlit forgot
(one not drawn for a run) comes back showing the draft, and Auto-Map or loading a config
changes the editor by replacing the draft alone.
"""

from __future__ import annotations

from typing import Any

from controllers.mapper_controller import TargetChoice
from controllers.mapper_draft import MappingDraft
from controllers.mapper_sources import SourceTable
from models.test_run import TestRunReport
from utils.page_state import PageState

PAGE = "mapper"
LIVE, RUN = "Live datasource", "Run ID"
EXISTING, NEW = "Existing table", "New table (created from the source)"


class MapperState(PageState):
    """The page's slice of session state, with typed access to what it keeps."""

    def __init__(self) -> None:
        super().__init__(PAGE)

    def flash_error(self, line: str) -> None:
        """Keep an error line for the next render (what a failed callback reports)."""
        self.flash("error", line)

    def beside(self, action: str) -> PageState:
        """The flash slot of the line drawn beside `action`'s button ("save", "preview"): those
        buttons sit far down the page, where its top line is out of a browser's view."""
        return PageState(self.key(f"{action}_line"), self._state)

    # --- the draft --------------------------------------------------------------------------

    @property
    def draft(self) -> MappingDraft | None:
        """The editor's draft, once a source is chosen."""
        return self.get("draft")

    def set_draft(self, draft: MappingDraft) -> None:
        """Replace the draft (the editor's widgets show it on the next draw)."""
        self.set("draft", draft)

    def editor_key(self, *parts: object) -> str:
        """The key of an editor widget, e.g. ("target", "hn") → "mapper_ed_target__hn"."""
        return self.key("ed_" + "__".join(str(part) for part in parts))

    def mirror(self, key: str, value: Any) -> str:
        """Set widget `key` to the draft's `value` before it is drawn; returns `key`."""
        self.state[key] = value
        return key

    # --- what was read of each side ---------------------------------------------------------

    @property
    def source(self) -> SourceTable | None:
        """The source table last read (with its profile once it has one)."""
        return self.get("source_read")

    def remember_source(self, source: SourceTable | None) -> None:
        """Keep the source read, so reruns do not read it again."""
        self.set("source_read", source)

    @property
    def target(self) -> tuple[TargetChoice, tuple[str, ...] | None] | None:
        """The target last read: the choice and its columns (None: a table to create)."""
        return self.get("target_read")

    def remember_target(self, choice: TargetChoice, columns: tuple[str, ...] | None) -> None:
        """Keep the target's columns, so reruns do not read them again."""
        self.set("target_read", (choice, columns))

    def forget_schemas(self) -> None:
        """Read both sides again on the next draw (the databases may have changed)."""
        self.forget("source_read")
        self.forget("target_read")

    # --- results shown under the editor -----------------------------------------------------

    @property
    def preview(self) -> TestRunReport | None:
        """The last preview's report (cleared when the editor changes)."""
        return self.get("preview")

    def set_preview(self, report: TestRunReport | None) -> None:
        """Keep (or with None, drop) the preview shown."""
        self.set("preview", report)

    @property
    def offer_dictionary(self) -> bool:
        """Whether Auto-Map found no semantic model and offers the dictionary alone."""
        return bool(self.get("offer_dictionary"))

    def set_offer_dictionary(self, offered: bool) -> None:
        """Offer (or stop offering) Auto-Map with the dictionary only."""
        self.set("offer_dictionary", offered)


def mapper_state() -> MapperState:
    """The state of the page in this session."""
    return MapperState()
