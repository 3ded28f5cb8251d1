"""The store: the SQLite schema and its migrations, transactions with their change log, history and backups."""
