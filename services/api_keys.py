"""The bearer keys of the REST API and Socket.IO: HIS_API_KEYS, or one generated key file.

The API never runs open: with HIS_API_KEYS unset, the first start writes a random key to
`api.key` in the data directory (mode 0600) and every later start reads it back.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from config import Settings
from services.errors import InvalidConfig


@dataclass(frozen=True)
class ApiKeys:
    """The keys the API accepts and where they come from."""

    keys: list[str]
    #: The key file, None when HIS_API_KEYS supplies the keys.
    file: Path | None
    #: True when this call generated the key file: the only time its key may be shown.
    created: bool = False


def ensure_api_keys(settings: Settings) -> ApiKeys:
    """HIS_API_KEYS, or the key in `settings.api_key_file`, generating it on first use.

    Concurrent first starts (the API and `his-analyzer run`, several workers) end with one
    key: the file appears complete and at once, and whoever loses the race reads the winner's.

    Raises:
        InvalidConfig: the key file exists but holds no key.
    """
    if settings.api_keys:
        return ApiKeys(keys=list(settings.api_keys), file=None)
    path = settings.api_key_file
    if not path.exists():
        created = _create_key_file(path)
        if created is not None:
            return ApiKeys(keys=[created], file=path, created=True)
    return ApiKeys(keys=[_read_key(path)], file=path)


def api_keys(settings: Settings) -> list[str]:
    """The bearer keys the API accepts (see `ensure_api_keys`)."""
    return ensure_api_keys(settings).keys


def _create_key_file(path: Path) -> str | None:
    # Written to a private temporary file, then hard-linked into place: link() refuses an
    # existing name like O_EXCL does, and a reader never sees a half-written key.
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".api.key.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(key + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)  # mkstemp's mode already; said here because it matters
        os.link(temporary, path)
    except FileExistsError:
        return None
    finally:
        Path(temporary).unlink(missing_ok=True)
    return key


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="ascii", errors="replace").strip()
    if not key:
        raise InvalidConfig(
            f"The API key file {str(path)!r} is empty: delete it to have a new key generated, "
            "or set HIS_API_KEYS."
        )
    return key
