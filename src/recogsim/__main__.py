"""``python -m recogsim``: the same as the ``recogsim`` command."""

import sys

from .cli import main

sys.exit(main())
