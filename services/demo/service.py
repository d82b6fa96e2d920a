"""The embedded demo: two SQLite datasources, "demo source" (a small HOSxP-style HIS) and
"demo target" (empty), created once on first run."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from pathlib import Path

from config import Settings
from services.context import ServiceContext
from services.datasources import create_datasource, get_datasource, list_datasources

log = logging.getLogger(__name__)

DEMO_SOURCE = "demo source"
DEMO_TARGET = "demo target"

# A few tables in HOSxP's shape, dirty the way legacy data is: Buddhist-year dates as text,
# HNs with leading zeros, padded names. The mini_his generator builds the full-size version.
_DEMO_SCHEMA = """
CREATE TABLE doctor (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    licenseno TEXT
);
CREATE TABLE patient (
    hn TEXT PRIMARY KEY,
    pname TEXT,
    fname TEXT NOT NULL,
    lname TEXT NOT NULL,
    sex TEXT,
    birthday TEXT,
    cid TEXT
);
CREATE TABLE ovst (
    vn TEXT PRIMARY KEY,
    hn TEXT NOT NULL REFERENCES patient(hn),
    vstdate TEXT NOT NULL,
    vsttime TEXT,
    doctor TEXT REFERENCES doctor(code),
    pttype TEXT
);
CREATE INDEX ix_ovst_hn ON ovst(hn);
CREATE INDEX ix_ovst_vstdate ON ovst(vstdate);
"""

_DOCTORS = [
    ("D001", "นพ.สมชาย ใจดี", "ว12345"),
    ("D002", "พญ.สุดา รักษา", "ว23456"),
    ("D003", "นพ.ประเสริฐ มั่นคง", None),
]
_PATIENTS = [
    ("000001", "นาย", "สมศักดิ์", "ทองดี", "1", "2510-04-12", "1101700203450"),
    ("000002", "นาง", "มาลี ", "ศรีสุข", "2", "2522-11-30", "3100600123450"),
    ("000003", "ด.ช.", "ภูมิ", " แสงทอง", "1", "2560-01-05", ""),
    ("000004", "น.ส.", "กาญจนา", "บุญมา", "2", "2535-07-21", None),
]
_VISITS = [
    ("660314080001", "000001", "2566-03-14", "08:15:00", "D001", "10"),
    ("660314080002", "000002", "2566-03-14", "08:40:00", "D001", "10"),
    ("660315090001", "000003", "2566-03-15", "09:05:00", "D002", "30"),
    ("660316100001", "000001", "2566-03-16", "10:20:00", "D001", "10"),
    ("660401083001", "000004", "2566-04-01", "08:30:00", "D003", "20"),
]


def ensure_demo(ctx: ServiceContext, *, force: bool = False) -> list[str]:
    """Create the demo on first run; returns the names of the datasources it created.

    Later runs leave it alone, so a user who deleted a demo datasource does not get it back;
    `force=True` re-creates whatever part is missing.
    """
    marker = ctx.settings.data_dir / ".demo_created"
    if marker.exists() and not force:
        return []
    existing = {datasource.name for datasource in list_datasources(ctx)}
    created = []
    source_file, target_file = demo_files(ctx.settings)
    if not source_file.exists():
        _write_demo_source(source_file)
    if not target_file.exists():
        sqlite3.connect(target_file).close()
    for name, path in ((DEMO_SOURCE, source_file), (DEMO_TARGET, target_file)):
        if name not in existing:
            create_datasource(ctx, name=name, db_type="sqlite", database=str(path.resolve()))
            created.append(name)
    marker.touch()
    if created:
        log.info("demo datasources created: %s", ", ".join(created))
    return created


def demo_files(settings: Settings) -> tuple[Path, Path]:
    """The demo's two SQLite files in the data directory: the source's, then the target's."""
    data_dir = settings.data_dir.resolve()
    return data_dir / "demo_source.sqlite", data_dir / "demo_target.sqlite"


def is_demo_database(ctx: ServiceContext, datasource: str | uuid.UUID) -> bool:
    """Whether the datasource (name or id) points at one of the demo's own SQLite files.

    Decided by the file, not the name: a demo datasource renamed is still the demo, and one
    re-pointed at another database is not.

    Raises:
        DatasourceNotFound: no datasource has that name or id.
    """
    found = get_datasource(ctx, datasource)
    return found.db_type == "sqlite" and Path(found.database).resolve() in demo_files(ctx.settings)


def _write_demo_source(path: Path) -> None:
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial)
    try:
        connection.executescript(_DEMO_SCHEMA)
        connection.executemany("INSERT INTO doctor VALUES (?, ?, ?)", _DOCTORS)
        connection.executemany("INSERT INTO patient VALUES (?, ?, ?, ?, ?, ?, ?)", _PATIENTS)
        connection.executemany("INSERT INTO ovst VALUES (?, ?, ?, ?, ?, ?)", _VISITS)
        connection.commit()
    finally:
        connection.close()
    # Renamed only when complete, so an interrupted first run never leaves half a demo.
    partial.replace(path)
