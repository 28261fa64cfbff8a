"""The database, the evidence files, the audit chain and the words every layer shares."""
