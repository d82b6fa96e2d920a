"""Profiling: column statistics, samples and DDL of a datasource, written up as a report."""

from services.profiling.analysis import AnalysisResult, analyze_datasource, load_sampling_settings
from services.profiling.ddl import export_ddl
from services.profiling.profiler import SamplePlan, profile_datasource, profile_table

__all__ = [
    "AnalysisResult",
    "SamplePlan",
    "analyze_datasource",
    "export_ddl",
    "load_sampling_settings",
    "profile_datasource",
    "profile_table",
]
