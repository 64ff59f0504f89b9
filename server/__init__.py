"""MeterDesk's central system: database, domain services, CLI and companion service."""

__version__ = "0.1.0"
