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


LIST_USERS, GET_USER, USERS_ANY, LOGS = "/api/v1/users", "/api/v1/users/{id}", "/api/v1/users*", "/api/v1/logs"

ROUTES: tuple[Route, ...] = (
    Route("GET", re.compile(r"/api/v1/users"), LIST_USERS, "listUsers"),
    Route("GET", re.compile(rf"{_U}/factors"), USERS_ANY, "listFactors"),
    Route("POST", re.compile(rf"{_U}/factors"), USERS_ANY, "enrollFactor"),
    Route("GET", re.compile(rf"{_U}/factors/catalog"), USERS_ANY, "listSupportedFactors"),
    Route("GET", re.compile(rf"{_U}/factors/questions"), USERS_ANY, "listSupportedSecurityQuestions"),
    Route("GET", re.compile(_F), USERS_ANY, "getFactor"),
    Route("DELETE", re.compile(_F), USERS_ANY, "unenrollFactor"),
    Route("POST", re.compile(rf"{_F}/lifecycle/activate"), USERS_ANY, "activateFactor"),
    Route("POST", re.compile(rf"{_F}/resend"), USERS_ANY, "resendEnrollFactor"),
    Route("GET", re.compile(rf"{_F}/transactions/{_SEG}"), USERS_ANY, "getFactorTransactionStatus"),
    Route("POST", re.compile(rf"{_F}/verify"), USERS_ANY, "verifyFactor"),
    Route("GET", re.compile(_U), GET_USER, "getUser"),
    Route("GET", re.compile(r"/api/v1/logs"), LOGS, "listLogEvents"),
)


def family_of(method: str, path: str) -> str:
    """Okta's rate-limit bucket for a request: list users and get a user (GET) have their own;
    everything else under /api/v1/users, any method, shares the ``/api/v1/users*`` catch-all; the
    System Log has its own."""
    if path == "/api/v1/users":
        return LIST_USERS if method == "GET" else USERS_ANY
    if re.fullmatch(_U, path) and method == "GET":
        return GET_USER
    if path.startswith("/api/v1/users/"):
        return USERS_ANY
    if path == "/api/v1/logs":
        return LOGS
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
