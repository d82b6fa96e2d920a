"""The pipeline-runs resource: every run record (pipelines and single migrations), its rejects."""
