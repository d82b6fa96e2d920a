"""Profile runs: the report folders profiling wrote, and their files for download."""
