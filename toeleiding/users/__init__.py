"""Users, their one role and organisation, passwords and API tokens."""
