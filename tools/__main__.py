"""``python -m tools COMMAND [ARGS]``: see ``tools.commands``."""

import sys

from .commands import main

sys.exit(main())
