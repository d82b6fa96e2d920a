"""Mapping suggestions: which source column goes to which target column, and with what.

`suggest(source_table, target_table)` is the engine on table descriptions; `suggest_mapping`
and `suggest_config` are the use cases on live datasources and report runs, with the
hospital's own confirmed pairs; `analyze_column` says which transformers a pair needs.
"""

from services.mapping.suggest.dictionary import Concept, Dictionary, load_dictionary
from services.mapping.suggest.service import (
    MappingSuggestions,
    config_mappings,
    semantic_encoder,
    suggest_config,
    suggest_mapping,
)
from services.mapping.suggest.suggester import suggest
from services.mapping.suggest.transforms import ColumnAdvice, analyze_column

__all__ = [
    "ColumnAdvice",
    "Concept",
    "Dictionary",
    "MappingSuggestions",
    "analyze_column",
    "config_mappings",
    "load_dictionary",
    "semantic_encoder",
    "suggest",
    "suggest_config",
    "suggest_mapping",
]
