"""What every resource package of the API shares: documents, presenter, errors, dependencies."""
