"""Mapping configs: versioned source → target mappings, their diffs, exports and lookups."""

from models.config_record import ConfigRecord, ConfigVersion
from services.mapping.configs import (
    check_config_text,
    compare_config_versions,
    config_name,
    delete_config,
    export_config,
    find_config,
    get_config,
    get_config_record,
    get_config_version,
    import_config,
    list_configs,
    list_versions,
    load_config,
    parse_config,
    plugin_registries,
    restore_config,
    rollback_config,
    save_config,
)
from services.mapping.coverage import ValueMapCoverage, value_map_coverage
from services.mapping.draft import draft_config
from services.mapping.export import ConfigDiff, FieldChange, MappingChange
from services.mapping.knowledge import known_pairs, record_offers
from services.mapping.live_check import (
    LiveCheckUnavailable,
    LiveTable,
    check_against_live_schemas,
    source_column_problems,
)
from services.mapping.lookups import load_lookup, resolve_config_lookups, resolve_lookups
from services.mapping.update import update_config

__all__ = [
    "ConfigDiff",
    "ConfigRecord",
    "ConfigVersion",
    "ValueMapCoverage",
    "FieldChange",
    "LiveCheckUnavailable",
    "LiveTable",
    "MappingChange",
    "check_against_live_schemas",
    "check_config_text",
    "compare_config_versions",
    "config_name",
    "delete_config",
    "draft_config",
    "export_config",
    "find_config",
    "get_config",
    "get_config_record",
    "get_config_version",
    "import_config",
    "known_pairs",
    "list_configs",
    "list_versions",
    "load_config",
    "load_lookup",
    "parse_config",
    "plugin_registries",
    "record_offers",
    "resolve_config_lookups",
    "resolve_lookups",
    "restore_config",
    "rollback_config",
    "save_config",
    "source_column_problems",
    "update_config",
    "value_map_coverage",
]
