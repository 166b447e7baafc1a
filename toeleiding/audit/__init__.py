"""The access log (NEN 7513 practice): who did what to which child's record, append-only and hash-chained."""
