"""sihub matching: explained partner suggestions and auditable matching rounds."""
