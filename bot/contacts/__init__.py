"""City contacts: invitations, requests staff approve, the list, removal."""
