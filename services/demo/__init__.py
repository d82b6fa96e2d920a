"""The embedded demo and the mini_his mock hospital database."""

from services.demo.cleanup import DemoCleanup, StoreNotDemoOnly, remove_demo_data
from services.demo.mock_data import (
    MAX_PATIENTS,
    existing_mock_tables,
    generate_mock_his,
    planned_mock_rows,
)
from services.demo.service import DEMO_SOURCE, DEMO_TARGET, ensure_demo, is_demo_database

__all__ = [
    "DEMO_SOURCE",
    "DEMO_TARGET",
    "DemoCleanup",
    "MAX_PATIENTS",
    "ensure_demo",
    "existing_mock_tables",
    "generate_mock_his",
    "is_demo_database",
    "planned_mock_rows",
    "remove_demo_data",
    "StoreNotDemoOnly",
]
