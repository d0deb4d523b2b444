"""fieldforce: the domain layer (models, services, jobs, embedded PostGIS, CLI)."""

__version__ = "0.1.0"
