"""SQLAlchemy's third-party dialect compliance suite, in its own pytest run (``run.sh``).

The suite's pytest plugin takes over the session (its own options, fixtures and per-backend test
generation), so it is loaded only when ``OKTA_SQLA_SUITE=1``; the project's regular test run skips
this directory.

Unless ``--dburi`` or ``--db`` is given, an emulator org is started for the session on a free
loopback port, with the token and subdomain of ``setup.cfg``'s ``[db] default`` URL.
"""

from __future__ import annotations

import os

if os.environ.get("OKTA_SQLA_SUITE") != "1":
    collect_ignore_glob = ["*.py"]
else:
    from typing import Any

    import pytest
    from sqlalchemy.dialects import registry
    from sqlalchemy.engine.url import make_url

    registry.register("okta", "okta_sqlalchemy.dialect", "OktaDialect")
    registry.register("okta.rest", "okta_sqlalchemy.dialect", "OktaDialect")
    pytest.register_assert_rewrite("sqlalchemy.testing.assertions")

    from sqlalchemy.testing.plugin import pytestplugin as _sqla_plugin
    from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: F403

    _emulators: list[Any] = []

    def _default_url(config: pytest.Config) -> str:
        import configparser

        parser = configparser.ConfigParser()
        parser.read(config.rootpath / "setup.cfg")
        return parser.get("db", "default")

    _MARKERS = (
        "backend",
        "sparse_backend",
        "sparse_driver_backend",
        "mypy",
        "timing_intensive",
        "memory_intensive",
        "aiosqlite",
        "requires_tags",
    )

    def pytest_configure(config: pytest.Config) -> None:  # type: ignore[no-redef]
        for marker in _MARKERS:  # markers SQLAlchemy's own setup.cfg declares
            config.addinivalue_line("markers", f"{marker}: SQLAlchemy test suite marker")
        if not config.option.dburi and not config.option.db:
            from okta_dbapi.emulator import Emulator

            url = make_url(_default_url(config))
            emulator = Emulator(users=20, seed=1, token=url.password).start()
            _emulators.append(emulator)
            config.option.dburi = [url.set(port=emulator.port).render_as_string(hide_password=False)]
        _sqla_plugin.pytest_configure(config)

    def pytest_unconfigure(config: pytest.Config) -> None:
        while _emulators:
            _emulators.pop().stop()
