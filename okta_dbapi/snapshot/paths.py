"""Where the snapshot file lives: the path given, or a per-org file in the user's cache directory."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from okta_dbapi.settings import Settings


def default_path(settings: Settings) -> Path:
    """``<user cache dir>/okta-dbapi/<subdomain>-<hash of the org URL>.sqlite3`` (platformdirs)."""
    import platformdirs

    digest = hashlib.sha256(settings.org_url.encode()).hexdigest()[:12]
    name = "".join(c if c.isalnum() or c in "-." else "_" for c in settings.subdomain)
    return Path(platformdirs.user_cache_dir("okta-dbapi")) / f"{name}-{digest}.sqlite3"


def snapshot_path(settings: Settings) -> Path:
    value = settings.snapshot
    path = default_path(settings) if value is True else Path(os.path.expanduser(str(value)))
    return _private(path)


def _private(path: Path) -> Path:
    """The file holds user profiles and phone numbers: readable by its owner only when we create it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    return path
