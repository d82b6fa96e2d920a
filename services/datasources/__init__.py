"""Datasources: register, test and discover the databases a hospital migrates between."""

from services.datasources.discovery import (
    describe_schema,
    describe_table,
    list_schemas,
    list_tables,
    require_schema,
)
from services.datasources.endpoint import Endpoint, open_endpoint
from services.datasources.service import (
    KEEP,
    ConnectionTestResult,
    DatabaseType,
    connection_spec,
    create_datasource,
    database_types,
    datasource_usage,
    delete_datasource,
    dialect_of,
    get_datasource,
    list_datasources,
    test_connection,
    test_datasource,
    update_datasource,
)
from services.datasources.usage import Usage

__all__ = [
    "KEEP",
    "ConnectionTestResult",
    "DatabaseType",
    "Endpoint",
    "Usage",
    "connection_spec",
    "create_datasource",
    "database_types",
    "datasource_usage",
    "delete_datasource",
    "describe_schema",
    "describe_table",
    "dialect_of",
    "get_datasource",
    "list_datasources",
    "list_schemas",
    "list_tables",
    "open_endpoint",
    "require_schema",
    "test_connection",
    "test_datasource",
    "update_datasource",
]
