"""``python -m volt_sdk._cli``: the ``volt`` command without its console script."""

from __future__ import annotations

import sys

from ._main import main

sys.exit(main())
