"""Demo data: both regions with their real municipal figures, and invented children."""
