"""cloudaudit: a read-only compliance scanner for cloud storage that holds patient data."""

__version__ = "0.1.0"
