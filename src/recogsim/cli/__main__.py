"""``python -m recogsim.cli``: the same as the ``recogsim`` command."""

import sys

from . import main

sys.exit(main())
