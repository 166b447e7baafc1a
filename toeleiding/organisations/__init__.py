"""Regions, municipalities, organisations, VE locations and target-group definitions."""
