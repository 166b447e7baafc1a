"""The regional monitor: reach per municipality at a reference date, from the cases' own history."""
