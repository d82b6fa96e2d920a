"""What every resource package of the API shares: JSON:API documents, errors, dependencies."""
