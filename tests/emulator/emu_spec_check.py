"""A small helper that validates a (request, response) pair, as the client saw it, with openapi-core."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from okta_dbapi.emulator.validation import SpecValidator


def violations(validator: SpecValidator, resp: requests.Response, factor_type: str | None = None) -> list[str]:
    req = resp.request
    split = urlsplit(req.url or "")
    query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
    body = req.body.encode() if isinstance(req.body, str) else req.body
    return validator.check(
        req.method or "GET",
        split.path,
        query,
        dict(req.headers),
        body or None,
        resp.status_code,
        resp.content or None,
        factor_type,
        content_type=resp.headers.get("Content-Type", "application/json"),
    )
