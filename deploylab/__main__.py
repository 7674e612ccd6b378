"""`python -m deploylab` is the `deploylab` command."""

import sys

from deploylab.cli.main import main

sys.exit(main())
