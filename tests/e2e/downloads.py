"""What a page's download button hands the browser, read in an AppTest test.

AppTest gives each run a fresh in-memory media file manager and drops it afterwards;
`keep_served_files` keeps the managers, so a test can read a button's bytes — generated on
click for a deferred button, exactly as a browser's click would have them generated.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorage
from streamlit.testing.v1 import AppTest, app_test

DownloadReader = Callable[[AppTest, str], bytes]


def keep_served_files(monkeypatch: pytest.MonkeyPatch) -> DownloadReader:
    """From now on in the test, keep what pages serve; returns a reader of the bytes the
    download button with a key serves on the last run."""
    managers: list[MediaFileManager] = []

    class KeptMediaFileManager(MediaFileManager):
        def __init__(self, storage: MediaFileStorage) -> None:
            super().__init__(storage)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", KeptMediaFileManager)

    def read(at: AppTest, key: str) -> bytes:
        button = at.download_button(key=key).proto
        manager = managers[-1]  # the last run's, which drew the button
        deferred = button.deferred_file_id  # made on click: run it as the click would
        url = manager.execute_deferred(deferred) if deferred else button.url
        served = manager.read_file(url.rsplit("/", 1)[-1])
        assert served is not None, f"the download button {key!r} serves no file"
        return served.content

    return read


@pytest.fixture
def served_files(monkeypatch: pytest.MonkeyPatch) -> DownloadReader:
    """`keep_served_files` as a fixture (import it into the test module that uses it)."""
    return keep_served_files(monkeypatch)
