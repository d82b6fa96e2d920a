"""The datasources resource: CRUD, connection test and live schema discovery."""
