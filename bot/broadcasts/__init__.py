"""Staff broadcasts: a message copied to an audience, now or at a chosen time."""
