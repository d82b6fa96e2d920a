"""Business logic: one function per use case, free of any web or dashboard framework."""
