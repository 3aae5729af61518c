"""Routing: (method, path) -> endpoint family and handler, for the 12 factor/user operations and the System Log."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .errors import OktaError
from .lifecycle import FactorApi
from .listing import UserListing
from .logquery import LogQuery
from .org import Org

_SEG = r"([^/]+)"
_U = rf"/api/v1/users/{_SEG}"
_F = rf"{_U}/factors/{_SEG}"


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]
    links: list[str]  # values of separate ``Link`` headers
    next_cursor: str | None = None


Handler = Callable[["Context"], Response]


@dataclass
class Context:
    base: str
    args: tuple[str, ...]
    query: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    family: str
    operation: str  # the spec's operationId


ROUTES: tuple[Route, ...] = (
    Route("GET", re.compile(r"/api/v1/users"), "users", "listUsers"),
    Route("GET", re.compile(rf"{_U}/factors"), "factors", "listFactors"),
    Route("POST", re.compile(rf"{_U}/factors"), "factors", "enrollFactor"),
    Route("GET", re.compile(rf"{_U}/factors/catalog"), "factors", "listSupportedFactors"),
    Route("GET", re.compile(rf"{_U}/factors/questions"), "factors", "listSupportedSecurityQuestions"),
    Route("GET", re.compile(_F), "factors", "getFactor"),
    Route("DELETE", re.compile(_F), "factors", "unenrollFactor"),
    Route("POST", re.compile(rf"{_F}/lifecycle/activate"), "factors", "activateFactor"),
    Route("POST", re.compile(rf"{_F}/resend"), "factors", "resendEnrollFactor"),
    Route("GET", re.compile(rf"{_F}/transactions/{_SEG}"), "factors", "getFactorTransactionStatus"),
    Route("POST", re.compile(rf"{_F}/verify"), "factors", "verifyFactor"),
    Route("GET", re.compile(_U), "users", "getUser"),
    Route("GET", re.compile(r"/api/v1/logs"), "logs", "listLogEvents"),
)


def family_of(path: str) -> str:
    if re.fullmatch(rf"{_U}/factors(/.*)?", path):
        return "factors"
    if re.fullmatch(rf"/api/v1/users(/{_SEG})?", path):
        return "users"
    if path == "/api/v1/logs":
        return "logs"
    return "other"


def match(method: str, path: str) -> tuple[Route, tuple[str, ...]]:
    """The route for (method, path); OktaError 404 (unknown path) or 405 (wrong method)."""
    path_known = False
    for route in ROUTES:
        m = route.pattern.fullmatch(path)
        if m:
            if route.method == method:
                return route, tuple(unquote(g) for g in m.groups())
            path_known = True
    if path_known:
        raise OktaError(405, "E0000022", "The endpoint does not support the provided HTTP method")
    raise OktaError(404, "E0000007", f"Not found: Resource not found: {path} (Path)")


class Dispatcher:
    def __init__(self, org: Org) -> None:
        self.org = org
        self.users = UserListing(org)
        self.factors = FactorApi(org)
        self.logs = LogQuery(org.syslog, org.clock.now)

    def dispatch(self, route: Route, ctx: Context) -> Response:
        op = route.operation
        a, base = ctx.args, ctx.base
        if op == "listUsers":
            status, body, links = self.users.list_users(base, ctx.query)
            link_headers = [f'<{links["self"]}>; rel="self"']
            cursor = None
            if "next" in links:
                link_headers.append(f'<{links["next"]}>; rel="next"')
                cursor = body[-1]["id"]
            return Response(status, body, {}, link_headers, cursor)
        if op == "listLogEvents":
            status, body, link_headers = self.logs.list_logs(base, ctx.query)
            return Response(status, body, {}, link_headers)
        f = self.factors
        calls: dict[str, Callable[[], tuple[int, Any]]] = {
            "getUser": lambda: self.users.get_user(base, a[0]),
            "listFactors": lambda: f.list_factors(base, a[0]),
            "enrollFactor": lambda: f.enroll(base, a[0], ctx.query, ctx.body),
            "listSupportedFactors": lambda: f.catalog(base, a[0]),
            "listSupportedSecurityQuestions": lambda: f.questions(base, a[0]),
            "getFactor": lambda: f.get_factor(base, a[0], a[1]),
            "unenrollFactor": lambda: f.unenroll(a[0], a[1], ctx.query),
            "activateFactor": lambda: f.activate(base, a[0], a[1], ctx.body),
            "resendEnrollFactor": lambda: f.resend(base, a[0], a[1], ctx.body),
            "getFactorTransactionStatus": lambda: f.transaction(base, a[0], a[1], a[2]),
            "verifyFactor": lambda: f.verify(base, a[0], a[1], ctx.body),
        }
        status, body = calls[op]()
        return Response(status, body, {}, [])

    def factor_type(self, route: Route, args: tuple[str, ...]) -> str | None:
        """factorType of the factor a verify/activate request targets (for body validation)."""
        if route.operation not in ("verifyFactor", "activateFactor"):
            return None
        with self.org.lock:
            i = self.org.index(args[0])
            if i is None:
                return None
            for fac in self.org.factor_list(i):
                if fac.id == args[1]:
                    return fac.factor_type
        return None
