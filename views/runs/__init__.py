"""The Runs and rejects page: every run, one run's steps and rejects, their CSV and replay."""

from __future__ import annotations

from controllers.runs_controller import RunsController
from services.context import ServiceContext
from views.runs.page import render


def show(ctx: ServiceContext) -> None:
    """Draw the Runs and rejects page on the shared service context."""
    render(RunsController(ctx))
