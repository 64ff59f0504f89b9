"""Database layer: models, engine and migrations."""
