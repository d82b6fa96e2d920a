"""The REST API: HTTP <-> services, nothing more."""
