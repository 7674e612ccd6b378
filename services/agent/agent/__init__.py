"""Host agent of model C: one per machine, reports what its units use and starts/stops them through systemd."""

from .app import make_app

__all__ = ["make_app"]
