"""The Migration Engine page: choose a config, test its connections, review, run it as a job."""

from __future__ import annotations

from controllers.migration_controller import MigrationController
from services.context import ServiceContext
from views.migration.page import render


def show(ctx: ServiceContext) -> None:
    """Draw the Migration Engine page on the shared service context."""
    render(MigrationController(ctx))
