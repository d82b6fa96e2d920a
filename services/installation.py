"""Where this installation keeps its things and what it runs on: the facts `info` prints."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy.engine import make_url

from config import Settings

#: Distributions whose versions matter when a run misbehaves; connectorx is the fast reader.
REPORTED_PACKAGES = ("his-analyzer", "sqlalchemy", "pandas", "pyarrow", "connectorx")


@dataclass(frozen=True)
class InstallationFacts:
    """What `his-analyzer info` shows; no field ever holds a password."""

    store_url: str
    #: True when the store is the SQLite file in the data directory (HIS_DATABASE_URL unset).
    embedded_store: bool
    data_dir: Path
    #: None when HIS_SECRET_KEY supplies the key instead of a file.
    key_file: Path | None
    #: The generated API key's file; None when HIS_API_KEYS supplies the keys.
    api_key_file: Path | None
    log_dir: Path
    reports_dir: Path
    python: str
    #: Distribution name -> installed version, None when it is not installed.
    versions: dict[str, str | None]
    fast_reader: bool
    #: Why the fast reader is not used, empty when it is.
    fast_reader_note: str


def shown_store_url(settings: Settings) -> str:
    """The metadata store's URL as it may be printed: the password replaced by ***."""
    return make_url(settings.metadata_url).render_as_string(hide_password=True)


def store_hint(settings: Settings) -> str:
    """Where a listing looked, and the setting that points it elsewhere (for empty listings)."""
    setting = "HIS_DATABASE_URL" if settings.database_url else "HIS_DATA_DIR"
    return f"the store at {shown_store_url(settings)} ({setting} to use another)"


def installation_facts(settings: Settings) -> InstallationFacts:
    """Gather the facts without opening the store or creating any folder."""
    fast, note = _fast_reader(settings)
    return InstallationFacts(
        store_url=shown_store_url(settings),
        embedded_store=settings.database_url is None,
        data_dir=settings.data_dir,
        key_file=None if settings.secret_key is not None else settings.secret_key_file,
        api_key_file=None if settings.api_keys else settings.api_key_file,
        log_dir=settings.log_dir,
        reports_dir=settings.reports_dir,
        python=platform.python_version(),
        versions={name: _installed_version(name) for name in REPORTED_PACKAGES},
        fast_reader=fast,
        fast_reader_note=note,
    )


def _installed_version(distribution: str) -> str | None:
    # Read from the installed metadata: importing pandas or pyarrow would cost a second.
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _fast_reader(settings: Settings) -> tuple[bool, str]:
    if not settings.fast_reader:
        return False, "HIS_FAST_READER is off"
    try:
        # Imported, not just looked up: a native wheel built for another platform fails here.
        import_module("connectorx")
    except ImportError as error:
        return False, f"connectorx cannot be imported ({error})"
    return True, ""
