"""The registered plugins: transformers, validators and database dialects (read-only)."""
