"""Fixtures of the dashboard's AppTest tests: an installation the app finds, and a job runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from config import get_settings
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.demo import ensure_demo
from services.jobs import JobRunner
from tests.conftest import TEST_SECRET


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceContext]:
    """An isolated installation the app finds through its environment, with the demo in it."""
    monkeypatch.setenv("HIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HIS_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("HIS_DATABASE_URL", raising=False)
    # The app caches both per process; a previous test's installation must not leak in.
    get_settings.cache_clear()
    st.cache_resource.clear()
    context = bootstrap(get_settings())
    ensure_demo(context)
    yield context
    st.cache_resource.clear()  # releases (closes) the app's own context
    context.close()
    get_settings.cache_clear()


@pytest.fixture
def job_runner(installation: ServiceContext) -> Iterator[JobRunner]:
    """A real job runner on the installation's store, as the API server or a worker hosts one:
    the dashboard only queues jobs, this claims and runs them."""
    runner = JobRunner(installation, workers=2, poll_seconds=0.2).start()
    yield runner
    runner.close()
