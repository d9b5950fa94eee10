"""``python -m riskmodel``: the command line."""

import sys

from riskmodel.cli import main

sys.exit(main())
