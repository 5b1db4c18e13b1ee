"""HTTP plumbing shared by the source clients (SCB, Kolada): rate limit, retries, errors.

:class:`JsonHttp` sends one JSON request and retries what is worth retrying: 429 (honouring
`Retry-After`), 5xx, broken connections, timeouts and bodies that are cut off or not
complete JSON, with exponential backoff bounded in count and total waiting time. Any other
4xx is handed to the caller's `refuse` function, which turns it into the source's own error
(quoting the server's message); when retries run out, `give_up` does the same.

Errors no retry can fix are never retried: a 4xx other than 429, and a host name that does
not resolve (no network, or a mistyped URL). Once a source has given up, every later call
through the same :class:`JsonHttp` (one per source and run) fails at once with the same
message: a source that is down is found out once per run, not once per table.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "segregation-pipeline (kommun segregation indicators)"


@dataclass
class CallStats:
    """What a client did, for run metadata and benchmarks."""

    calls: Counter = field(default_factory=Counter)
    retries: int = 0
    throttled_seconds: float = 0.0
    retry_wait_seconds: float = 0.0

    def snapshot(self) -> CallStats:
        return CallStats(
            Counter(self.calls), self.retries, self.throttled_seconds, self.retry_wait_seconds
        )

    def since(self, before: CallStats) -> dict[str, float | int]:
        """What was done after `before` was taken, as run metadata."""
        return CallStats(
            self.calls - before.calls,
            self.retries - before.retries,
            self.throttled_seconds - before.throttled_seconds,
            self.retry_wait_seconds - before.retry_wait_seconds,
        ).as_metadata()

    def as_metadata(self) -> dict[str, float | int]:
        return {
            **{f"calls_{kind}": n for kind, n in sorted(self.calls.items())},
            "retries": self.retries,
            "throttled_seconds": round(self.throttled_seconds, 3),
            "retry_wait_seconds": round(self.retry_wait_seconds, 3),
        }


class RateLimiter:
    """Sliding-window limiter: at most `max_calls` call starts in any `window` seconds.

    A small safety margin is added to the window so that clock skew and network jitter
    between us and the server never push a call into the previous window.
    """

    def __init__(self, max_calls: int, window: float, margin: float = 0.1) -> None:
        self.max_calls = max(1, max_calls)
        self.window = window * (1 + margin) + 0.02
        self._starts: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a free slot, record the call, and return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                wait = self._blocked_until - now
                if len(self._starts) >= self.max_calls:
                    wait = max(wait, self._starts[0] + self.window - now)
                if wait <= 0:
                    self._starts.append(now)
                    return waited
            time.sleep(wait)
            waited += wait

    def adopt(self, previous: RateLimiter) -> None:
        """Count the calls an earlier limiter already let through (e.g. the `/config` call)."""
        with previous._lock, self._lock:
            self._starts.extend(previous._starts)
            self._blocked_until = max(self._blocked_until, previous._blocked_until)

    def block_for(self, seconds: float) -> None:
        """Make no call for `seconds` (after the server said 429)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, time.monotonic() + seconds)


class _NotCompleteJson(Exception):
    """A 2xx response whose body is not complete JSON: retried like a broken connection."""


class JsonHttp:
    """Sends JSON requests with a rate limit and bounded retries."""

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        max_retries: int = 6,
        retry_budget: float = 300.0,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        limiter: RateLimiter | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_budget = retry_budget
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.limiter = limiter or RateLimiter(5, 1.0)
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.stats = CallStats()
        self.gave_up: str | None = None  # set when the source gave up: later calls fail at once

    def request(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        refuse: Callable[[requests.Response], Exception],
        give_up: Callable[[str], Exception],
        params: Mapping[str, str] | None = None,
        json_body: dict | None = None,
    ) -> requests.Response:
        """One request; `kind` names it in the call statistics (config, table, data…)."""
        if self.gave_up is not None:
            raise give_up(self.gave_up)
        waited = 0.0
        attempt = 0
        while True:
            self.stats.throttled_seconds += self.limiter.acquire()
            self.stats.calls[kind] += 1
            response, problem, retry_after = self._attempt(
                method, url, refuse, give_up, params, json_body
            )
            if response is not None:
                return response
            attempt += 1
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            if attempt > self.max_retries or waited + delay > self.retry_budget:
                self.gave_up = (
                    f"Gav upp efter {attempt} försök och {waited:.1f} s väntan; sista "
                    f"problemet var {problem}. Källan kan vara nere: försök igen senare. De "
                    "senast lyckade marts är oförändrade."
                )
                raise give_up(self.gave_up)
            self._wait(method, url, problem, attempt, delay, retry_after)
            waited += delay

    def _attempt(
        self,
        method: str,
        url: str,
        refuse: Callable[[requests.Response], Exception],
        give_up: Callable[[str], Exception],
        params: Mapping[str, str] | None,
        json_body: dict | None,
    ) -> tuple[requests.Response | None, str, float | None]:
        """One try: (the response, "", None), or (None, what went wrong, the wait an HTTP 429
        asks for). A refusal, or a host that cannot be found, raises at once."""
        retry_after: float | None = None
        try:
            response = self.session.request(
                method, url, params=params, json=json_body, timeout=(10, self.timeout)
            )
            if response.status_code < 400:
                _complete_json(response)
                return response, "", None
            if response.status_code not in RETRY_STATUSES:
                raise refuse(response)
            problem = f"HTTP {response.status_code}: {problem_detail(response)}"
            if response.status_code == 429:
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except (requests.ConnectionError, requests.Timeout) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            if _unresolvable(exc):
                self.gave_up = (
                    f"Servern för {url} går inte att hitta ({problem}). Kontrollera "
                    "nätverket och källans URL-inställning; inget nytt försök gjordes. De "
                    "senast lyckade marts är oförändrade."
                )
                raise give_up(self.gave_up) from None
        except requests.exceptions.ChunkedEncodingError as exc:
            problem = f"svaret bröts av: {exc}"
        except _NotCompleteJson as exc:
            problem = str(exc)
        return None, problem, retry_after

    def _wait(
        self,
        method: str,
        url: str,
        problem: str,
        attempt: int,
        delay: float,
        retry_after: float | None,
    ) -> None:
        """Log and count the retry, then wait: a 429's Retry-After blocks the shared rate
        limiter, any other delay is slept here."""
        log.warning(
            "%s %s misslyckades (%s); försök %d om %.1f s", method, url, problem, attempt, delay
        )
        self.stats.retries += 1
        self.stats.retry_wait_seconds += delay
        if retry_after is not None:
            self.limiter.block_for(delay)
        else:
            time.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def _unresolvable(exc: Exception) -> bool:
    """A host name that does not resolve: no retry within a run will fix it."""
    text = repr(exc)
    return (
        "NameResolutionError" in text
        or "Name or service not known" in text
        or ("nodename nor servname" in text)
    )


def _complete_json(response: requests.Response) -> None:
    content = response.content  # the whole body now: a cut body is retried
    try:
        json.loads(content)
    except ValueError as exc:
        raise _NotCompleteJson(
            f"svaret från {response.url} är inte fullständig JSON ({exc}); "
            f"{len(content)} byte kom fram"
        ) from None


def problem_detail(response: requests.Response) -> str:
    """The message of an application/problem+json body, or the start of any other body."""
    try:
        doc = response.json()
    except ValueError:
        return response.text[:300].strip() or response.reason or ""
    if isinstance(doc, dict):
        bits = [str(doc[k]) for k in ("title", "detail") if doc.get(k)]
        errors = doc.get("errors")
        if errors:
            bits.append(json.dumps(errors, ensure_ascii=False)[:300])
        if bits:
            return " — ".join(bits)
    return json.dumps(doc, ensure_ascii=False)[:300]


def _retry_after(header: str | None) -> float | None:
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
