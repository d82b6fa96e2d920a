"""PageState: typed, namespaced access to one dashboard page's entries in st.session_state."""

from __future__ import annotations

from collections.abc import Collection, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

FlashLevel = Literal["success", "error", "info"]


@dataclass(frozen=True, slots=True)
class Flash:
    """A one-line message shown once, on the run after the action that produced it."""

    level: FlashLevel
    message: str


class PageState:
    """One page's slice of session state: widget keys and a one-shot flash message.

    Keys are prefixed with the page's name so two pages never share a widget's value by accident.
    """

    def __init__(self, page: str, state: MutableMapping[str, Any] | None = None) -> None:
        self.page = page
        # Resolved lazily so that unit tests can pass a plain dict and never import Streamlit.
        self._state = state

    @property
    def state(self) -> MutableMapping[str, Any]:
        """The underlying mapping (st.session_state unless another one was given)."""
        if self._state is None:
            import streamlit as st

            return st.session_state
        return self._state

    def key(self, name: str) -> str:
        """The session-state (and widget) key of `name` on this page."""
        return f"{self.page}_{name}"

    def get(self, name: str, default: Any = None) -> Any:
        """The value stored under `name`, or `default`."""
        return self.state.get(self.key(name), default)

    def set(self, name: str, value: Any) -> None:
        """Store `value` under `name` (in a callback this also sets a widget's value)."""
        self.state[self.key(name)] = value

    def forget(self, name: str) -> None:
        """Drop `name`, so a widget with that key starts again from its default."""
        self.state.pop(self.key(name), None)

    def keep_choice(self, name: str, options: Collection[Any]) -> None:
        """Forget the choice under `name` when it is no longer among `options` (a table
        dropped, a datasource deleted elsewhere): its widget starts again from the first."""
        if self.get(name) not in options:
            self.forget(name)

    def flash(self, level: FlashLevel, message: str) -> None:
        """Keep a message for the next render (actions run in callbacks, before the page)."""
        self.set("_flash", Flash(level, message))

    def pop_flash(self) -> Flash | None:
        """The pending flash message, removed so that it is shown only once."""
        flash = self.get("_flash")
        self.forget("_flash")
        return flash
