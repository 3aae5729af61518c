"""Validate (request, response) pairs against Okta's OpenAPI spec (facts-only copy).

``openapi-core`` is a test-only dependency: it is imported lazily, only when a SpecValidator is
built (``Emulator(validate=True)`` or the test helpers).

Known places where Okta (and so the emulator) departs from its own schema, handled here explicitly:

1. verify / activate request bodies are a ``oneOf`` whose branches overlap (``{"passCode": ...}``
   matches the call, sms, email, totp ... branches at once), so a strict validator rejects every
   non-empty body. We validate the request without its body, then validate the body against the
   single branch whose ``title`` is the factor's ``factorType``.
2. Statuses Okta returns but the spec doesn't list for an operation (401 E0000011 everywhere, 400
   E0000031/E0000001 on GET /api/v1/users, 500/503 from faults): the body must match ``Error``.
3. ``_links.resend`` is an array of link objects in real Okta responses (and in the spec's own
   examples); the schema says one object. Validated element-wise.
4. Verify responses carry ``profile`` with string values (``phoneNumber``, ``credentialId``) in
   real Okta responses; the schema declares every ``profile`` value an object. Profile values are
   checked to be strings/objects and otherwise left out of schema validation.
5. The factor catalog's ``_embedded.phones`` is an array in real Okta responses (and the spec's
   example); the schema says every ``_embedded`` value is an object. Array items must be objects.
6. GET /api/v1/logs is checked against the System Log extract (``LOGS_SPEC_NAME``). LogEvents carry
   ``null`` in fields the schema doesn't mark nullable (``detailEntry``, ``client.zone``,
   ``outcome.reason``, ...), as the spec's own examples do: null members are dropped before
   validation.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

SPEC_NAME = "okta-user-factors.facts.openapi.yaml"
LOGS_SPEC_NAME = "okta-system-log.openapi.yaml"
LOGS_PATH = "/api/v1/logs"
SERVER = "https://subdomain.okta.com"  # the spec's default server; requests are validated as if sent there
_ONEOF_BODY = re.compile(r"^/api/v1/users/[^/]+/factors/[^/]+/(verify|lifecycle/activate)$")
_VERIFY_RESULT = re.compile(r"^/api/v1/users/[^/]+/factors/[^/]+/(verify|transactions/[^/]+)$")


def default_spec_path() -> Path:
    here = Path(__file__).with_name("spec") / SPEC_NAME
    if here.exists():
        return here
    return Path(__file__).resolve().parents[2] / "tests" / "data" / SPEC_NAME  # source checkout


def _drop_nulls(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _drop_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_drop_nulls(v) for v in node]
    return node


def _resolve(node: Any, spec: dict[str, Any], depth: int = 0) -> Any:
    """Inline local ``$ref``s (the branches we validate by hand are shallow and acyclic)."""
    if depth > 20:
        return node
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolve(target, spec, depth + 1)
        return {k: _resolve(v, spec, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, spec, depth + 1) for v in node]
    return node


def normalise_known_departures(path: str, body: Any) -> Any:
    """Rewrite the documented Okta-vs-schema departures (3, 4, 6 above) into schema form."""
    if path == LOGS_PATH:
        return _drop_nulls(body)
    if isinstance(body, list):
        return [normalise_known_departures(path, b) for b in body]
    if not isinstance(body, dict):
        return body
    out = copy.deepcopy(body)
    links = out.get("_links")
    if isinstance(links, dict) and isinstance(links.get("resend"), list):
        items = links["resend"]
        links["resend"] = items[0] if items else {"href": ""}
    embedded = out.get("_embedded")
    if isinstance(embedded, dict):
        for key, value in list(embedded.items()):
            if isinstance(value, list) and all(isinstance(v, dict) for v in value):
                embedded[key] = {}
    profile = out.get("profile")
    if (
        _VERIFY_RESULT.match(path)
        and isinstance(profile, dict)
        and all(isinstance(v, (str, dict)) or v is None for v in profile.values())
    ):
        out["profile"] = {k: v for k, v in out["profile"].items() if isinstance(v, dict)}
    return out


class SpecValidator:
    """Validates pairs; every check returns a list of human-readable violations (empty = valid)."""

    def __init__(self, spec_path: str | Path | None = None) -> None:
        import yaml

        try:
            from openapi_core import OpenAPI
        except ImportError as e:
            raise RuntimeError(
                "Emulator(validate=True) checks traffic against Okta's spec with openapi-core: "
                "pip install 'okta-dbapi[test]' (or openapi-core) to use it."
            ) from e

        path = Path(spec_path) if spec_path else default_spec_path()
        with open(path, encoding="utf-8") as fh:
            self.spec: dict[str, Any] = yaml.safe_load(fh)
        self.api = OpenAPI.from_dict(self.spec)
        with open(Path(__file__).with_name("spec") / LOGS_SPEC_NAME, encoding="utf-8") as fh:
            self.logs_api = OpenAPI.from_dict(yaml.safe_load(fh))
        self._error_schema = _resolve(self.spec["components"]["schemas"]["Error"], self.spec)

    # -- helpers -----------------------------------------------------------------------------
    def _schema_errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        from openapi_schema_validator import OAS30Validator

        return [e.message for e in OAS30Validator(schema).iter_errors(instance)]

    def _oneof_branch(self, path: str, factor_type: str) -> dict[str, Any] | None:
        name = "UserFactorVerifyRequest" if path.endswith("/verify") else "UserFactorActivateRequest"
        for branch in self.spec["components"]["schemas"][name]["oneOf"]:
            if branch.get("title") == factor_type:
                return dict(_resolve(branch, self.spec))
        return None

    @staticmethod
    def _describe(exc: BaseException) -> str:
        parts = [repr(exc)]
        cause = exc.__cause__ or exc.__context__
        while cause is not None and len(parts) < 4:
            errs = getattr(cause, "schema_errors", None)
            parts.append("; ".join(e.message for e in errs) if errs else repr(cause))
            cause = cause.__cause__ or cause.__context__
        return " <- ".join(parts)

    # -- the check ---------------------------------------------------------------------------
    def check(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes | None,
        status: int,
        response_body: bytes | None,
        factor_type: str | None = None,
        content_type: str = "application/json",
    ) -> list[str]:
        from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
        from openapi_core.templating.responses.exceptions import ResponseNotFound
        from openapi_core.testing import MockRequest, MockResponse
        from openapi_core.validation.response.exceptions import MissingData

        out: list[str] = []
        api = self.logs_api if path == LOGS_PATH else self.api
        where = f"{method.upper()} {path} -> {status}"
        oneof = bool(_ONEOF_BODY.match(path)) and bool(body)
        request = MockRequest(
            SERVER,
            method.lower(),
            path,
            args=dict(query),
            headers=dict(headers),
            data=None if oneof else body,
            content_type="application/json",
        )
        try:
            api.validate_request(request)
        except Exception as e:
            out.append(f"request {where}: {self._describe(e)}")
        if oneof:
            # Departure 1: validate the body against the branch for this factor type only.
            try:
                parsed = json.loads(body or b"null")
            except ValueError:
                parsed = None
                out.append(f"request {where}: body is not JSON")
            branch = self._oneof_branch(path, factor_type) if factor_type else None
            if parsed is not None and branch is not None:
                out += [f"request {where}: body ({factor_type}): {m}" for m in self._schema_errors(branch, parsed)]
        resp_data = response_body or b""
        normalised = resp_data
        if resp_data:
            try:
                normalised = json.dumps(normalise_known_departures(path, json.loads(resp_data))).encode()
            except ValueError:
                out.append(f"response {where}: body is not JSON")
                return out
        response = MockResponse(normalised, status_code=status, content_type=content_type if resp_data else "")
        try:
            api.validate_response(request, response)
        except MissingData:
            # Not a departure of ours: the spec writes ``content: {}`` for DELETE's 204, and
            # openapi-core then demands a body, which a 204 can never carry.
            if status != 204:
                out.append(f"response {where}: missing response body")
        except (ResponseNotFound, PathNotFound, OperationNotFound):
            # An undocumented status, or a request outside the spec (reported above as a request
            # violation): only an Okta error body can be checked.
            if status < 400:
                out.append(f"response {where}: status {status} is not documented")
            else:
                # Departure 2: an error status Okta returns but the spec doesn't list here.
                parsed_err = json.loads(resp_data or b"null")
                errs = self._schema_errors(self._error_schema, parsed_err)
                out += [f"response {where}: error body: {m}" for m in errs]
                if not isinstance(parsed_err, dict) or not {"errorCode", "errorSummary"} <= set(parsed_err):
                    out.append(f"response {where}: error body lacks errorCode/errorSummary")
        except Exception as e:
            out.append(f"response {where}: {self._describe(e)}")
        return out
