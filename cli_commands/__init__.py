"""The `his-analyzer` commands, one module per group; cli.py puts them together."""
