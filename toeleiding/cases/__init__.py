"""Cases: one child's referral, its history, and who read it."""
