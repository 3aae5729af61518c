"""Which users a write touched: the runner hands the write this stand-in for the client, then
hands the users it recorded to :meth:`Snapshot.after_write`. Writes never import the snapshot."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from okta_dbapi.exceptions import Error
from okta_dbapi.http.client import ApiResponse, OktaClient

# A verify or a resend changes no factor row (a push challenge's transaction is not stored).
_UNCHANGING = ("/verify", "/resend")


class RecordingClient:
    """Delegates everything to the client; remembers ``userId`` of every change Okta accepted
    (or may have applied: a timeout after sending). A change Okta refused is not recorded."""

    def __init__(self, client: OktaClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self.users: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def call(
        self, method: str, path_template: str, path_params: Mapping[str, Any] | None = None, **kw: Any
    ) -> ApiResponse:
        user = (path_params or {}).get("userId")
        changes = (
            method.upper() not in ("GET", "HEAD", "OPTIONS")
            and user is not None
            and not path_template.endswith(_UNCHANGING)
        )
        try:
            response = self._client.call(method, path_template, path_params, **kw)
        except Error as e:
            if changes and getattr(e, "maybe_applied", False):
                self._record(str(user))
            raise
        if changes:
            self._record(str(user))
        return response

    def _record(self, user: str) -> None:
        with self._lock:
            self.users.add(user)
