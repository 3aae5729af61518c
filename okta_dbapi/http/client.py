"""The one HTTP client: session, auth, paths, pagination, pacing, retries and error mapping.

Everything the driver sends to Okta goes through :meth:`OktaClient.call` (or
:meth:`OktaClient.paginate`, which follows ``Link: <...>; rel="next"``). Guarantees:

* Path parameters are percent-encoded as single segments (``/`` and ``?`` included); empty,
  ``.`` and ``..`` values are refused, so a value can never leave its path position.
* Redirects are never followed; a ``Link`` next URL must stay on the org's origin. The token
  is therefore only ever sent to ``settings.org_url``.
* Rate-limit pacing (:mod:`okta_dbapi.http.pacing`) per endpoint family; a window 429 waits for
  ``X-Rate-Limit-Reset`` (or ``Retry-After``) and is retried (Okta did not process it), up to
  ``max_retries``; a concurrent-limit 429 lowers the concurrency and is retried after a short
  backoff; a reset too far away to be real is an OperationalError quoting the headers.
* GET/HEAD are retried on 500/502/503/504, connection resets, truncated bodies and read
  timeouts with exponential backoff and jitter. POST/DELETE are only retried when nothing was
  sent (a connect timeout) or on 429: otherwise the error says the request may have been
  applied and has ``maybe_applied = True``. A refused connection is reported at once.
* Every request has a whole-answer deadline (``timeout``, however slowly the body trickles in),
  and runs in a :class:`~okta_dbapi.http.scope.Scope`: the statement's deadline
  (``statement_timeout``) and cancellation (``cursor.close()``, ``connection.close()``, Ctrl-C
  during a fan-out) stop it at its next step, and no wait outlives them.
* Every failure is a PEP 249 exception built by :mod:`okta_dbapi.http.errors`; nothing else escapes.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from okta_dbapi.exceptions import Error, InterfaceError, OperationalError, ProgrammingError
from okta_dbapi.http import errors, transport
from okta_dbapi.http.attempt import Attempt, Retry
from okta_dbapi.http.auth import Auth, make_auth
from okta_dbapi.http.challenge import challenge_error
from okta_dbapi.http.headers import check_header
from okta_dbapi.http.pacing import Pacer, RateLimited, parse_retry_after
from okta_dbapi.http.paths import encode_query, expand_path
from okta_dbapi.http.scope import Scope
from okta_dbapi.redact import install_log_filter
from okta_dbapi.settings import Settings, is_loopback_host

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger("okta_dbapi")

RETRY_STATUSES = frozenset({500, 502, 503, 504})
_FORBIDDEN_HEADERS = frozenset({"authorization", "dpop", "host", "cookie"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class ApiResponse:
    """One successful answer. ``headers`` is case-insensitive; ``body`` is None when empty."""

    status: int
    body: Any
    headers: Mapping[str, str]
    next_url: str | None = None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


# ---------------------------------------------------------------------------------------------
# the client


class OktaClient:
    """One org, one session. Thread-safe: ``call`` may run concurrently (see ``map_concurrent``)."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        install_log_filter()
        self.settings = settings
        self._own_session = session is None
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(10, settings.concurrency + 2))
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            # Read the environment once (proxies, CA bundle) instead of on every request, and
            # never let ~/.netrc replace the Authorization header.
            session.proxies.update(requests.utils.get_environ_proxies(settings.org_url))
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle:
                session.verify = bundle
            session.trust_env = False
        self.session = session
        self._clock = clock or time.time
        self._sleep = sleep  # None: sleep on the scope, so that a cancellation wakes the sleeper
        self.pacer = pacer or Pacer(clock=self._clock, sleep=sleep, concurrency=settings.concurrency)
        #: cancelled by close(): every statement's scope is a child of it
        self.root = Scope(clock=self._clock)
        self.root.on_cancel(self.pacer.wake)
        self.auth: Auth = make_auth(settings, session, clock=self._clock)
        self._base = settings.org_url
        self._org_origin = _origin(settings.org_url)
        self._timeout = (settings.timeout, settings.timeout)
        user_agent = check_header("User-Agent", settings.user_agent, " (the user_agent option)")
        self._base_headers = {"Accept": "application/json", "User-Agent": user_agent}
        self._count_lock = threading.Lock()
        self._request_count = 0
        self._closed = False
        #: exponential backoff for retried GETs: base * 2**(n-1), capped, with jitter
        self.backoff_base = 0.5
        self.backoff_cap = 8.0

    def __repr__(self) -> str:
        return f"OktaClient(org_url={self.settings.org_url!r}, requests={self._request_count})"

    def __enter__(self) -> OktaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        """HTTP requests sent to the API so far, retries included (token requests excluded)."""
        return self._request_count

    # -- public API --------------------------------------------------------------------------

    def describe(
        self,
        method: str,
        path_template: str,
        path_params: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> str:
        """``"GET /api/v1/users/00u1/factors?x=y"``: what a request is, without host or token."""
        qs = encode_query(query)
        return f"{method.upper()} {expand_path(path_template, path_params)}{'?' + qs if qs else ''}"

    def call(
        self,
        method: str,
        path_template: str,
        path_params: Mapping[str, Any] | None = None,
        *,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        send_body: bool = False,
        scope: Scope | None = None,
    ) -> ApiResponse:
        """Send one API request (with pacing and retries) and return the parsed answer.

        ``json_body`` is sent as JSON when not None; with ``send_body=True`` and no
        ``json_body`` an empty object ``{}`` is sent.
        """
        method = method.upper()
        target = expand_path(path_template, path_params)
        qs = encode_query(query)
        if qs:
            target = f"{target}?{qs}"
        data: bytes | None = None
        if json_body is not None or send_body:
            try:
                body = {} if json_body is None else json_body
                data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
            except (TypeError, ValueError) as e:
                raise errors.error_class(400, "E0000001")(
                    f"cannot send {method} {target}: the body is not JSON-serialisable ({e})",
                    request=f"{method} {target}",
                ) from None
        return self._request(
            method, self._base + target, target, path_template, path_params, headers, data, scope or self.root
        )

    def paginate(
        self,
        path_template: str,
        path_params: Mapping[str, Any] | None = None,
        *,
        query: Mapping[str, Any] | None = None,
        scope: Scope | None = None,
    ) -> Iterator[Any]:
        """Yield the items of each page's JSON array, following ``Link: <...>; rel="next"``.

        A next link to a page already read (A -> B -> A) is an OperationalError: following it
        would never end.
        """
        for items, _last in self.pages(path_template, path_params, query=query, scope=scope):
            yield from items

    def pages(
        self,
        path_template: str,
        path_params: Mapping[str, Any] | None = None,
        *,
        query: Mapping[str, Any] | None = None,
        scope: Scope | None = None,
    ) -> Iterator[tuple[list[Any], bool]]:
        """Yield each page's JSON array and whether it is the last page (it has no ``next`` link)."""
        scope = scope or self.root
        qs = encode_query(query)
        url = self._base + expand_path(path_template, path_params) + (f"?{qs}" if qs else "")
        response = self.call("GET", path_template, path_params, query=query, scope=scope)
        visited = {url}
        while True:
            body = response.body
            if body is not None and not isinstance(body, list):
                raise self._tag(
                    OperationalError(
                        f"expected a JSON array from GET {self._target(url)}, got {type(body).__name__}",
                        status=response.status,
                        request=f"GET {self._target(url)}",
                    )
                )
            next_url = response.next_url
            yield list(body or ()), not next_url
            if not next_url:
                return
            self._check_next_url(next_url, url, visited)
            visited.add(next_url)
            url = next_url
            response = self._request("GET", url, self._target(url), path_template, path_params, None, None, scope)

    def scope(self, parent: Scope | None = None, timeout: float | None = None) -> Scope:
        """A new scope for a statement (under the client's root, with ``statement_timeout``) or
        for a fan-out (under ``parent``)."""
        if parent is None:
            parent = self.root
            timeout = self.settings.statement_timeout if timeout is None else timeout
        scope = parent.child(timeout)
        scope.on_cancel(self.pacer.wake)
        return scope

    def map_concurrent(
        self, fn: Callable[[T], R], items: Iterable[T], scope: Scope | None = None, eager: bool = True
    ) -> Iterator[R]:
        """``map(fn, items)`` on up to ``settings.concurrency`` threads, results in input order.

        ``items`` is consumed lazily (it may be an endless generator); at most four times
        ``concurrency`` items are taken ahead of the consumer, or only ``concurrency`` when not
        ``eager`` (a scan with a LIMIT: no more than one round of calls past the rows it needs).
        ``scope`` is the fan-out's own (``fn`` should make its calls in it): when the fan-out is
        abandoned (the first exception, a KeyboardInterrupt, the generator closed early, or the
        scope cancelled from another thread) the scope is cancelled, pending calls are dropped, and
        the running ones are left to stop at their next step; nothing waits for them.
        """
        scope = scope or self.scope(self.root)
        workers = max(1, self.settings.concurrency)
        if workers == 1:
            for item in items:
                scope.check()
                yield fn(item)
            return
        ahead = workers * 4 if eager else workers
        iterator = iter(items)
        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="okta-dbapi")
        window: deque[Future[R]] = deque()
        waker: Future[Any] = scope.waker()
        finished = False
        patient = True  # wait for the calls in flight (bounded: their scope is cancelled)
        try:
            while True:
                scope.check()
                while not scope.cancelled and len(window) < ahead:
                    try:
                        item = next(iterator)
                    except StopIteration:
                        break
                    window.append(executor.submit(fn, item))
                if not window:
                    finished = True
                    return
                head = window[0]
                while not head.done():
                    scope.check()
                    for future in window:  # the first failure anywhere ends the fan-out
                        if future.done() and not future.cancelled() and future.exception() is not None:
                            future.result()  # raises it
                    # Only the calls still running: a finished one would wake us at once, for ever.
                    pending = [future for future in window if not future.done()]
                    wait([*pending, waker], timeout=scope.remaining(), return_when=FIRST_COMPLETED)
                window.popleft()
                yield head.result()
        except BaseException as e:
            # After Ctrl-C or a cancellation from another thread, never wait for the calls in
            # flight: they finish (or fail) on their own, within their request deadline.
            patient = not scope.cancelled and not isinstance(e, KeyboardInterrupt | SystemExit)
            raise
        finally:
            if not finished:
                scope.cancel("the fan-out was abandoned")
            for future in window:
                future.cancel()
            # An ordinary early end (an error, LIMIT reached) waits for the requests already
            # sent, so that none lands after the statement is over.
            executor.shutdown(wait=patient, cancel_futures=True)

    def close(self) -> None:
        """Close the session (if the client created it) and cancel every statement still running:
        their fan-outs stop. Further calls raise InterfaceError."""
        self._closed = True
        self.root.cancel("the connection was closed")
        if self._own_session:
            self.session.close()

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _target(url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @staticmethod
    def _tag(exc: Error, maybe_applied: bool = False) -> Error:
        exc.maybe_applied = maybe_applied  # type: ignore[attr-defined]
        return exc

    def _check_next_url(self, next_url: str, current: str, visited: set[str]) -> None:
        origin = _origin(next_url)
        same = origin == self._org_origin or (
            origin[0] == self._org_origin[0]
            and origin[2] == self._org_origin[2]
            and is_loopback_host(origin[1])
            and is_loopback_host(self._org_origin[1])
        )
        if not same:
            parts = urlsplit(next_url)
            raise self._tag(
                OperationalError(
                    f"Okta's next-page link points to {parts.scheme}://{parts.netloc}, not to the org "
                    f"{self.settings.org_url}; refusing to send the token there.",
                    request=f"GET {self._target(current)}",
                )
            )
        if next_url in visited:
            which = "the current page" if next_url == current else f"a page already read (GET {self._target(next_url)})"
            raise self._tag(
                OperationalError(
                    f"Okta's next-page link after GET {self._target(current)} points back to {which}; "
                    "stopping rather than reading the same pages for ever. The result would be incomplete, "
                    "so nothing is returned; try again, and report it to Okta if it persists.",
                    request=f"GET {self._target(current)}",
                )
            )

    def _headers(self, method: str, url: str, extra: Mapping[str, str] | None, has_body: bool) -> dict[str, str]:
        headers = dict(self._base_headers)
        if extra:
            for name, value in extra.items():
                if name.lower() in _FORBIDDEN_HEADERS:
                    raise ProgrammingError(f"the header {name} cannot be set per request")
                if value is not None:
                    headers[name] = check_header(name, str(value))
        if has_body:
            headers["Content-Type"] = "application/json"
        headers.update(self.auth.headers(method, url))  # a new DPoP proof for every send
        return headers

    def _backoff(self, attempt: int, base: float | None = None) -> float:
        delay = min(self.backoff_cap, (self.backoff_base if base is None else base) * 2 ** (attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)

    def _request(
        self,
        method: str,
        url: str,
        target: str,
        path_template: str,
        path_params: Mapping[str, Any] | None,
        extra_headers: Mapping[str, str] | None,
        data: bytes | None,
        scope: Scope,
    ) -> ApiResponse:
        if self._closed:
            if scope is not self.root:
                scope.check()  # a statement that was running when the connection was closed
            raise InterfaceError("the Okta client is closed")
        scope.check()
        attempt = Attempt(method, url, target, path_template, path_params, extra_headers, data, scope)
        try:
            return self._request_loop(attempt)
        except Error:
            raise
        except Exception as e:  # a bug: still a PEP 249 exception, never a library traceback
            raise transport.error_from_exception(
                e,
                request=attempt.request,
                method=method,
                org_url=self.settings.org_url,
                timeout=self.settings.timeout,
                path_template=path_template,
                path_params=path_params,
                maybe_applied=not attempt.idempotent,
            ) from e

    def _request_loop(self, attempt: Attempt) -> ApiResponse:
        """Send, classify the answer, and wait and retry until it is a result or an error."""
        while True:
            sent = self._send(attempt)
            outcome = sent if isinstance(sent, Retry) else self._classify(attempt, sent)
            if isinstance(outcome, ApiResponse):
                return outcome
            self._wait(attempt, outcome)

    # -- the steps of one request ------------------------------------------------------------------

    def _send(self, attempt: Attempt) -> requests.Response | Retry:
        """One paced send. A transport failure is retried when nothing reached Okta or the method
        is idempotent (within ``max_retries``), and raised as a PEP 249 error otherwise."""
        headers = self._headers(attempt.method, attempt.url, attempt.extra_headers, attempt.data is not None)
        scope = attempt.scope
        self.pacer.acquire(attempt.key, scope)
        with self._count_lock:
            self._request_count += 1
        started = time.perf_counter()
        # The whole answer (headers and body) must arrive within ``timeout``, and within what is
        # left of the statement's deadline.
        timeout = self.settings.timeout
        left = scope.remaining()
        if left is not None:
            timeout = max(min(timeout, left), 0.001)
        try:
            resp = self.session.request(
                attempt.method,
                attempt.url,
                data=attempt.data,
                headers=headers,
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
            )
            transport.read_body(resp, time.monotonic() + timeout)
        except BaseException as e:
            self.pacer.release(attempt.key, None)  # also on KeyboardInterrupt: never leak an in-flight slot
            if not isinstance(e, requests.RequestException):
                raise
            return self._transport_failure(attempt, e, started)
        attempt.verdict = self.pacer.release(attempt.key, resp.headers, resp.status_code)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d in %.1f ms (rate limit remaining %s)",
                attempt.method,
                attempt.target,
                resp.status_code,
                (time.perf_counter() - started) * 1000,
                resp.headers.get("X-Rate-Limit-Remaining", "n/a"),
            )
        return resp

    def _transport_failure(self, attempt: Attempt, e: requests.RequestException, started: float) -> Retry:
        not_sent = transport.nothing_sent(e)
        retry = (
            (not_sent or (attempt.idempotent and transport.transient(e)))
            and not transport.refused(e)
            and not isinstance(e, transport.SlowAnswer)
            and self._may_retry(attempt)
            and not attempt.scope.cancelled
        )
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s after %.1f ms%s",
                attempt.method,
                attempt.target,
                e.__class__.__name__,
                (time.perf_counter() - started) * 1000,
                " (retrying)" if retry else "",
            )
        if retry:
            return self._retry_later(attempt)
        raise transport.error_from_exception(
            e,
            request=attempt.request,
            method=attempt.method,
            org_url=self.settings.org_url,
            timeout=self.settings.timeout,
            path_template=attempt.path_template,
            path_params=attempt.path_params,
            maybe_applied=not attempt.idempotent and not not_sent,
            retries=attempt.retries,
        ) from e

    def _classify(self, attempt: Attempt, resp: requests.Response) -> ApiResponse | Retry:
        """What an answer means: a result, something to wait for and retry, or a PEP 249 error."""
        status = resp.status_code
        if status < 300:
            return self._success(attempt, resp)
        if status < 400:
            raise errors.redirect_error(
                status, resp.headers.get("Location"), request=attempt.request, org_url=self.settings.org_url
            )
        if status == 429:
            return self._rate_limited(attempt, resp)
        if status == 401 and self.auth.refreshable and not attempt.refreshed:
            attempt.refreshed = True
            self.auth.invalidate(resp.request.headers)
            return Retry(delay=0.0)
        if status in RETRY_STATUSES and attempt.idempotent and self._may_retry(attempt):
            retry = self._retry_later(attempt)
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), self._clock())
            if retry_after is not None:
                retry.delay = max(retry.delay, min(retry_after, 60.0))
            return retry
        body_or_none = _json_or_none(resp)
        challenge = challenge_error(
            status, resp.headers, body_or_none, request=attempt.request, scopes=self.auth.scopes
        )
        if challenge is not None:
            raise challenge
        raise errors.error_from_response(
            status,
            body_or_none,
            request=attempt.request,
            method=attempt.method,
            path_template=attempt.path_template,
            path_params=attempt.path_params,
            auth_mode=self.settings.authorization_mode,
            content_type=resp.headers.get("Content-Type", ""),
            text=_text_or_empty(resp) if body_or_none is None else "",
            maybe_applied=not attempt.idempotent and status >= 500,
            retries=attempt.retries,
        )

    def _success(self, attempt: Attempt, resp: requests.Response) -> ApiResponse | Retry:
        status, headers, content = resp.status_code, resp.headers, resp.content
        body: Any = None
        if content and status != 204:
            ctype = headers.get("Content-Type", "")
            if ctype and "json" not in ctype.lower():
                raise self._bad_body(attempt, status, f"the body is {ctype.split(';')[0]}, not JSON")
            try:
                body = json.loads(content)
            except ValueError as e:
                if attempt.idempotent and self._may_retry(attempt):
                    return self._retry_later(attempt)
                problem = f"the body is not valid JSON (truncated? {len(content)} bytes)"
                raise self._bad_body(attempt, status, problem) from e
        next_url = None
        if "Link" in headers:
            link = resp.links.get("next")
            if link and link.get("url"):
                next_url = urljoin(attempt.url, link["url"])
        return ApiResponse(status, body, headers, next_url)

    def _bad_body(self, attempt: Attempt, status: int, problem: str) -> Error:
        return errors.bad_body_error(
            problem,
            status=status,
            request=attempt.request,
            method=attempt.method,
            path_template=attempt.path_template,
            path_params=attempt.path_params,
            maybe_applied=not attempt.idempotent,
            retries=attempt.retries,
        )

    def _rate_limited(self, attempt: Attempt, resp: requests.Response) -> Retry:
        verdict = attempt.verdict or self.pacer.bucket(attempt.key).classify(resp.headers, self._clock())
        if verdict.kind == "resource":
            # The org's budget has room, so this is a per-resource limit (one SMS or call code per
            # phone every 30 s): waiting for the window would not help, and a retry could send the
            # user a second code.
            raise errors.error_from_response(
                resp.status_code,
                _json_or_none(resp),
                request=attempt.request,
                method=attempt.method,
                path_template=attempt.path_template,
                path_params=attempt.path_params,
                auth_mode=self.settings.authorization_mode,
                resource_limited=True,
            )
        if verdict.kind == "implausible":
            raise self._implausible_reset(attempt, verdict)
        now = self._clock()
        if verdict.kind == "concurrent":
            # Okta's concurrent limit: the pacer has lowered the concurrency; the window's budget
            # is untouched. Cheap to retry, so allowed more often than a window wait.
            if attempt.concurrent_waits >= 3 * self.settings.max_retries:
                raise errors.rate_limit_exhausted(
                    _json_or_none(resp), request=attempt.request, retries=attempt.concurrent_waits, headers=resp.headers
                )
            attempt.concurrent_waits += 1
            log.debug("%s %s: concurrent limit (%s); retrying", attempt.method, attempt.target, verdict.reported())
            return Retry(delay=max(verdict.until - now, 0.0))
        if attempt.rate_waits >= self.settings.max_retries:
            raise errors.rate_limit_exhausted(
                _json_or_none(resp), request=attempt.request, retries=attempt.rate_waits, headers=resp.headers
            )
        attempt.rate_waits += 1
        if verdict.kind == "unsure":  # the bucket's window is unknown yet: try again soon, once
            return Retry(delay=max(verdict.until - now, 0.0))
        until = verdict.until if verdict.until > now else now + self._backoff(attempt.rate_waits, 1.0)
        log.debug("%s %s: rate limited; waiting %.2f s", attempt.method, attempt.target, until - now)
        return Retry(until=until)

    def _implausible_reset(self, attempt: Attempt, verdict: RateLimited) -> Error:
        now = self._clock()
        if verdict.retry_after is not None:
            what = f"to retry after {verdict.retry_after:g} s"
        elif verdict.reset is not None and verdict.reset >= 1e11:
            what = "a reset time that looks like milliseconds, not epoch seconds"
        else:
            what = f"a reset {(verdict.reset or now) - now:,.0f} s away (a rate-limit window is one minute)"
        message = (
            f"Okta answered 429 (rate limited) to {attempt.request} and asked {what} ({verdict.reported()}). "
            "That wait is implausible, so the driver did not wait: try again in a minute, and if it persists "
            "check the org's rate-limit settings or any proxy that rewrites these headers."
        )
        return self._tag(OperationalError(message, status=429, error_code="E0000047", request=attempt.request))

    def _may_retry(self, attempt: Attempt) -> bool:
        return attempt.retries < self.settings.max_retries

    def _retry_later(self, attempt: Attempt) -> Retry:
        attempt.retries += 1
        return Retry(delay=self._backoff(attempt.retries))

    def _wait(self, attempt: Attempt, retry: Retry) -> None:
        """A window 429 blocks the whole bucket (the pacer then waits); any other wait is this
        call's own, bounded by the statement's deadline and woken by a cancellation."""
        if retry.until is not None:
            self.pacer.block(attempt.key, retry.until)
        elif retry.delay > 0:
            if self._sleep is None:
                attempt.scope.sleep(retry.delay)
            else:
                self._sleep(retry.delay)
        attempt.scope.check()


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return json.loads(resp.content) if resp.content else None
    except ValueError:
        return None


def _text_or_empty(resp: requests.Response) -> str:
    try:
        return resp.text[:500]
    except Exception:
        return ""


__all__ = ["ApiResponse", "OktaClient", "encode_query", "expand_path"]
