"""`python -m agent`: the agent on waitress, on the machine's private address only."""

from __future__ import annotations

import sys

import waitress

from .app import make_app
from .config import Config, ConfigError


def main() -> int:
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"agent: {exc}", file=sys.stderr)
        return 2
    waitress.serve(make_app(config), host=config.host, port=config.port, threads=2, ident="deploylab-agent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
