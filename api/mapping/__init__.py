"""The mapping resource: suggestions and value-map coverage."""
