"""The Tornado API gateway of models B, C and D: one address in front of Students, Grades and Web."""

from .app import make_app
from .config import ConfigError, GatewayConfig

__all__ = ["ConfigError", "GatewayConfig", "make_app"]
