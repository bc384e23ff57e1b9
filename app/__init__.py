"""Civic Space Academy: a learning platform for community activists."""

__version__ = "0.1.0"
