"""`python -m deploylab` is the `deploylab` command."""

import sys

from .cli import main

sys.exit(main())
