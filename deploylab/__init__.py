"""deploylab: the same three services deployed four ways, measured side by side."""

__version__ = "0.1.0"
