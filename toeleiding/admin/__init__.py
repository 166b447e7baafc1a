"""Administration pages of the region: organisations, locations, users, definitions, the workflow."""
