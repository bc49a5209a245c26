"""Cross-cutting pieces: the app factory (core.app), configuration, database, money, time."""
