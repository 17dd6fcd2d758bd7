"""Persistent state behind small interfaces: the config store (SQLite or PostgreSQL)."""
