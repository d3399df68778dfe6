"""sihub reports: country and comparative reports built from the event streams."""
