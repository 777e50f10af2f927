"""The one delivery path for mass sends: outbox (SQLite), sender (rate limits), progress."""
