"""The pipelines resource: define a DAG of migration steps, read it with its steps, delete it."""
