"""HTTP client for PxWebApi 2.0 (SCB's Statistikdatabasen) on `requests`.

- Reads `/config` once per client (one client per run) and obeys its limits:
  `maxCallsPerTimeWindow` per `timeWindow` for every call, and `maxDataCells` per data
  call, splitting larger selections into the fewest calls (see `selection.py`).
- Retries 429 (honouring `Retry-After`), 5xx, broken connections, timeouts and
  truncated bodies with exponential backoff, bounded in count and in total waiting time.
- 400/403/404 raise :class:`ScbRequestError` quoting the server's problem message, the
  table id and the selection.
- Keeps every data response's bytes verbatim (:class:`DataPart`) so the raw layer can
  store exactly what the server sent; parsing is done by `jsonstat.py`.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from pipelines.scb.errors import ScbRequestError, ScbResponseError
from pipelines.scb.jsonstat import TableMetadata, parse_metadata
from pipelines.scb.selection import Selection, cell_count, resolve_selection, split_selection

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "segregation-pipeline (kommun segregation indicators; PxWebApi 2.0 client)"


@dataclass(frozen=True)
class ApiLimits:
    """The server's limits as `/config` states them."""

    max_data_cells: int
    max_calls: int
    time_window: float

    @classmethod
    def from_config(cls, doc: Mapping[str, object]) -> ApiLimits:
        try:
            return cls(
                max_data_cells=int(doc["maxDataCells"]),
                max_calls=int(doc["maxCallsPerTimeWindow"]),
                time_window=float(doc["timeWindow"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ScbResponseError(f"/config lacks a usable limit: {exc}") from None


@dataclass(frozen=True)
class DataPart:
    """One data call: what was asked and the server's response bytes, untouched."""

    table_id: str
    url: str
    method: str
    body: dict
    selection: Selection
    cells: int
    content: bytes
    fetched_at: str


@dataclass
class CallStats:
    """What the client did, for run metadata and benchmarks."""

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


class PxWebClient:
    """A PxWebApi 2.0 client. Construct one per run: it caches `/config` and table metadata."""

    def __init__(
        self,
        base_url: str,
        *,
        lang: str = "sv",
        timeout: float = 60.0,
        max_retries: int = 6,
        retry_budget: float = 300.0,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        session: requests.Session | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.lang = lang
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_budget = retry_budget
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.progress = progress or (lambda message: log.info(message))
        self.stats = CallStats()
        self._limits: ApiLimits | None = None
        self._limiter: RateLimiter | None = None
        self._metadata: dict[str, tuple[bytes, TableMetadata]] = {}

    # -- endpoints ---------------------------------------------------------------------

    @property
    def limits(self) -> ApiLimits:
        """The server's limits from `/config`, read once per client."""
        return self._ensure_limits(None)

    def _ensure_limits(self, table_id: str | None) -> ApiLimits:
        if self._limits is None:
            # Until /config is known, be as careful as SCB's published limit.
            self._limiter = RateLimiter(1, 1.0)
            doc = json.loads(self._get("config", "/config", table_id=table_id))
            self._limits = ApiLimits.from_config(doc)
            limiter = RateLimiter(self._limits.max_calls, self._limits.time_window)
            limiter.adopt(self._limiter)
            self._limiter = limiter
            log.debug("PxWebApi limits: %s", self._limits)
        return self._limits

    def table_info(self, table_id: str) -> dict:
        """`/tables/{id}`: label, `updated`, periods. Cheap: use it to see whether data changed."""
        return json.loads(self.table_info_bytes(table_id))

    def table_info_bytes(self, table_id: str) -> bytes:
        return self._get("table", f"/tables/{table_id}", table_id=table_id)

    def metadata_bytes(self, table_id: str) -> bytes:
        """`/tables/{id}/metadata` as json-stat2, byte for byte (cached per client)."""
        return self._metadata_entry(table_id)[0]

    def metadata(self, table_id: str) -> TableMetadata:
        return self._metadata_entry(table_id)[1]

    def _metadata_entry(self, table_id: str) -> tuple[bytes, TableMetadata]:
        if table_id not in self._metadata:
            content = self._get("metadata", f"/tables/{table_id}/metadata", table_id=table_id)
            doc = json.loads(content)
            self._metadata[table_id] = (
                content,
                parse_metadata(doc, context=f"{table_id} metadata"),
            )
        return self._metadata[table_id]

    def plan(
        self,
        table_id: str,
        selection: Mapping[str, str | Sequence[str]],
    ) -> list[Selection]:
        """Resolve a selection against the table's metadata and split it into calls."""
        resolved = resolve_selection(self.metadata(table_id), selection, table_id)
        return split_selection(resolved, self.limits.max_data_cells)

    def fetch_data(
        self,
        table_id: str,
        selection: Mapping[str, str | Sequence[str]],
        *,
        codelists: Mapping[str, str] | None = None,
    ) -> list[DataPart]:
        """Fetch a selection as json-stat2, in as few calls as the cell limit allows."""
        chunks = self.plan(table_id, selection)
        total = sum(cell_count(c) for c in chunks)
        parts = []
        for i, chunk in enumerate(chunks, start=1):
            cells = cell_count(chunk)
            self.progress(
                f"{table_id}: hämtar del {i}/{len(chunks)} ({cells:,} av {total:,} celler)".replace(
                    ",", " "
                )
            )
            body = {
                "selection": [
                    {
                        "variableCode": var,
                        "valueCodes": list(values),
                        **({"codelist": codelists[var]} if codelists and var in codelists else {}),
                    }
                    for var, values in chunk.items()
                ]
            }
            path = f"/tables/{table_id}/data"
            response = self._request(
                "data",
                "POST",
                path,
                table_id=table_id,
                json_body=body,
                selection=chunk,
                params={"outputFormat": "json-stat2"},
            )
            content = response.content  # already checked to be complete JSON
            parts.append(
                DataPart(
                    table_id=table_id,
                    url=response.url,
                    method="POST",
                    body=body,
                    selection=chunk,
                    cells=cells,
                    content=content,
                    fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            )
        return parts

    # -- plumbing ----------------------------------------------------------------------

    def _get(self, kind: str, path: str, *, table_id: str | None = None) -> bytes:
        """GET a JSON document; the body is checked to be complete JSON (else retried)."""
        return self._request(kind, "GET", path, table_id=table_id).content

    def _request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        table_id: str | None = None,
        json_body: dict | None = None,
        selection: Mapping[str, object] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = f"{self.base_url}{path}"
        query = {"lang": self.lang, **(params or {})}
        if kind != "config":
            self._ensure_limits(table_id)  # /config first: the rate limit applies to every call
        waited = 0.0
        attempt = 0
        while True:
            assert self._limiter is not None
            self.stats.throttled_seconds += self._limiter.acquire()
            self.stats.calls[kind] += 1
            problem: str
            retry_after: float | None = None
            try:
                response = self.session.request(
                    method, url, params=query, json=json_body, timeout=(10, self.timeout)
                )
                if response.status_code < 400:
                    _ = response.content  # read the whole body now: a cut body is retried
                    _check_json(response.content, table_id, response.url)
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise ScbRequestError(
                        _refusal(response.status_code),
                        url=response.url,
                        status=response.status_code,
                        table_id=table_id,
                        selection=selection,
                        detail=_problem_detail(response),
                    )
                problem = f"HTTP {response.status_code}: {_problem_detail(response)}"
                if response.status_code == 429:
                    retry_after = _retry_after(response.headers.get("Retry-After"))
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            except requests.exceptions.ChunkedEncodingError as exc:
                problem = f"the response was cut off: {exc}"
            except _TruncatedJson as exc:
                problem = str(exc)

            attempt += 1
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            if attempt > self.max_retries or waited + delay > self.retry_budget:
                raise ScbRequestError(
                    f"Gave up after {attempt} attempts and {waited:.1f} s of waiting; the last "
                    f"problem was {problem}. The source may be down: try again later. The last "
                    "good marts are unchanged.",
                    url=url,
                    table_id=table_id,
                    selection=selection,
                )
            log.warning(
                "%s %s failed (%s); retry %d in %.1f s", method, url, problem, attempt, delay
            )
            self.stats.retries += 1
            self.stats.retry_wait_seconds += delay
            if retry_after is not None:
                self._limiter.block_for(delay)
            else:
                time.sleep(delay)
            waited += delay

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class _TruncatedJson(ScbResponseError):
    """A 200 response whose body is not complete JSON: retried like a broken connection."""


def _check_json(content: bytes, table_id: str | None, url: str) -> None:
    try:
        json.loads(content)
    except ValueError as exc:
        raise _TruncatedJson(
            f"the response from {url} ({table_id}) is not complete JSON ({exc}); "
            f"{len(content)} bytes arrived"
        ) from None


def _refusal(status: int) -> str:
    return {
        400: "The server rejected the request (400 Bad Request): check the table id and selection"
        " in the catalog against the table's metadata.",
        403: "The server refused the request (403): most often the selection asks for more cells"
        " than maxDataCells.",
        404: "The server does not know this table (404): SCB may have renamed or revised it;"
        " update the table id in the catalog.",
    }.get(status, f"The server refused the request ({status}).")


def _problem_detail(response: requests.Response) -> str:
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
