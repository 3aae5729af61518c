"""``python -m okta_dbapi.cli``: the same as ``okta-sql``."""

from __future__ import annotations

import sys

from okta_dbapi.cli.program import main

sys.exit(main())
