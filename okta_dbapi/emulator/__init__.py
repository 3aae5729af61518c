"""A local Okta org for the user-factor (MFA) API, served over real HTTP on loopback.

>>> from okta_dbapi.emulator import Emulator
>>> with Emulator(users=50, seed=1) as emu:
...     emu.url, emu.token  # -> OKTA_CLIENT_ORGURL / OKTA_CLIENT_TOKEN

See :class:`Emulator`, :class:`Faults`, :class:`~.org.Org` (``emu.org``),
:class:`~.log.RequestLog` (``emu.log``) and, for service apps, :class:`OAuthClient` and
:class:`~.oauth.OAuthServer` (``emu.oauth``).

Stands apart from the driver: it imports nothing from ``okta_dbapi`` outside this package, and only
the CLI and the tests import it. Inside, ``app`` (the Emulator) builds on ``server`` (HTTP plumbing),
which builds on ``routes`` and the org model; nothing imports ``app`` but this ``__init__``.
"""

from __future__ import annotations

from .app import Emulator, generate_token
from .clock import Clock
from .errors import OktaError
from .faults import Faults
from .log import LogEntry, RequestLog
from .oauth import OAuthClient
from .org import Org

__all__ = ["Clock", "Emulator", "Faults", "LogEntry", "OAuthClient", "OktaError", "Org", "RequestLog", "generate_token"]
