"""The Migration Engine's page state: its key prefix, the chosen config, the run's choices."""

from __future__ import annotations

from controllers.migration_controller import IF_INTERRUPTED, ConfigOverview, RunChoices
from utils.page_state import PageState

PAGE = "mig"
#: Where step 1 takes the config from (the `source` radio's values).
SAVED, UPLOAD = "saved", "upload"
#: The review step's widgets: they start again from the config's own values for another one.
CHOICE_FIELDS = ("batch_size", "error_policy", "test", "test_rows", "again", "if_interrupted")


def page_state() -> PageState:
    """The page's slice of session state."""
    return PageState(PAGE)


def forget_choices(state: PageState) -> None:
    """Reset the review step, so another config's batch size and policy show as its own."""
    for name in CHOICE_FIELDS:
        state.forget(name)


def select_config(state: PageState, name: str) -> None:
    """Make `name` the chosen saved config (before its widgets are drawn, or in a callback)."""
    state.set("source", SAVED)
    if state.get("config") != name:
        forget_choices(state)
    state.set("config", name)


def current_choices(state: PageState, overview: ConfigOverview) -> RunChoices:
    """The run's options as the review step's widgets hold them (the config's until changed)."""
    test = bool(state.get("test", False))
    rows = state.get("test_rows") if test else None
    return RunChoices(
        batch_size=int(state.get("batch_size") or overview.batch_size),
        error_policy=str(state.get("error_policy") or overview.error_policy),
        test=test,
        test_rows=int(rows) if rows else None,
        again=bool(state.get("again", False)),
        if_interrupted=str(state.get("if_interrupted") or IF_INTERRUPTED[0]),
    )
