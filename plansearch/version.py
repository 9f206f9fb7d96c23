"""The package version (a leaf module: modules read it here, never from the facade)."""

__version__ = "0.1.0"
