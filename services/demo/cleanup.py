"""Removing a data directory whose store holds nothing but the demo (what `make clean` runs).

Only the files HIS Analyzer itself writes are removed, one by one: HIS_DATA_DIR may point at a
folder that also holds other things, and those stay.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from config import Settings
from services.bootstrap import bootstrap
from services.context import ServiceContext
from services.demo.service import DEMO_SOURCE, DEMO_TARGET, demo_files
from services.errors import Conflict
from services.installation import shown_store_url

#: What SQLite may keep beside a store file.
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
#: The lock the schema upgrade takes beside the store file (repositories.database).
_LOCK_SUFFIX = ".migrate.lock"


class StoreNotDemoOnly(Conflict):
    """The store holds something of the user's: nothing is removed."""

    code = "store_not_demo_only"


@dataclass(frozen=True)
class DemoCleanup:
    """What a cleanup removed, and why it left the data directory alone if it did."""

    removed: list[Path] = field(default_factory=list)
    #: Set when nothing was looked at: the store lives outside the data directory.
    left_alone: str = ""


def beyond_the_demo(ctx: ServiceContext) -> list[str]:
    """What the store holds besides the demo, e.g. ["datasource 'clinic'", "2 configs"]."""
    expected = dict(zip((DEMO_SOURCE, DEMO_TARGET), demo_files(ctx.settings), strict=True))
    with ctx.uow() as uow:
        # A demo datasource pointed at another database is the user's now.
        foreign = [
            f"datasource {ds.name!r}"
            for ds in uow.datasources.list()
            if ds.db_type != "sqlite" or Path(ds.database) != expected.get(ds.name)
        ]
        counts = {
            "config": len(uow.configs.list(include_deleted=True)),
            "pipeline": len(uow.pipelines.list()),
            "pipeline run": len(uow.pipeline_runs.list()),
            "job": len(uow.jobs.list()),
        }
    return foreign + [f"{n} {what}{'s' if n != 1 else ''}" for what, n in counts.items() if n]


def remove_demo_data(settings: Settings) -> DemoCleanup:
    """Delete the store, key file, demo databases, logs and reports of the data directory.

    Raises:
        StoreNotDemoOnly: the store holds anything but the demo; nothing is removed then.
    """
    data_dir = settings.data_dir
    if settings.database_url:
        return DemoCleanup(
            left_alone=f"the store is at {shown_store_url(settings)} (HIS_DATABASE_URL)"
        )
    if settings.store_file.exists():
        ctx = bootstrap(settings)
        try:
            extra = beyond_the_demo(ctx)
        finally:
            ctx.close()  # SQLite's file is released before it is deleted
        if extra:
            raise StoreNotDemoOnly(
                f"The store at {shown_store_url(settings)} holds more than the demo "
                f"({', '.join(extra)}): {data_dir} is left as it is."
            )
    store = settings.store_file
    candidates = [
        store,
        *(store.with_name(store.name + suffix) for suffix in _SQLITE_COMPANIONS),
        store.with_suffix(_LOCK_SUFFIX),
        settings.secret_key_file,
        *demo_files(settings),
        data_dir / ".demo_created",
        settings.log_dir,
        settings.reports_dir,
    ]
    removed = [path for path in candidates if _remove(path)]
    if data_dir.is_dir() and not any(data_dir.iterdir()):
        data_dir.rmdir()
        removed.append(data_dir)
    return DemoCleanup(removed=removed)


def _remove(path: Path) -> bool:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
        return True
    if path.exists() or path.is_symlink():
        path.unlink()
        return True
    return False
