"""A small PxWebApi 2.0 test server built on the standard library only.

The server speaks enough of the PxWebApi 2.0 protocol (see ``PxAPI-2.yml``) for an HTTP client to
be exercised end to end on ``127.0.0.1``:

* ``GET  /api/v2/config``                 API configuration (limits come from the constructor)
* ``GET  /api/v2/tables``                 tables, ``query=`` search, ``pageNumber``/``pageSize`` paging
* ``GET  /api/v2/tables/{id}``            table information
* ``GET  /api/v2/tables/{id}/metadata``   json-stat2 metadata (``value`` is ``[]``)
* ``GET  /api/v2/tables/{id}/data``       json-stat2 data, selection as ``valuecodes[VAR]=a,b``
* ``POST /api/v2/tables/{id}/data``       json-stat2 data, selection as a JSON body

Errors are ``application/problem+json`` documents (RFC 7807) whose ``detail`` names what is wrong.

Tables are either made up (:class:`FakeTable`, cell values from a function) or recorded
(:class:`RecordedTable`, real responses of SCB's server, see ``tests/fixtures/scb/``).

Behaviour worth knowing when writing tests against it:

* **Rate limit.** A sliding window over *all* endpoints. Every request that arrives is counted,
  including requests that are rejected with 429 or answered by an injected fault, like a strict
  server would do. A request is rejected when, counting itself, more than ``max_calls`` requests
  arrived within the last ``time_window`` seconds, i.e. in ``(now - time_window, now]``. The 429
  answer carries ``Retry-After`` (whole seconds, rounded up, at least 1): the time until a new
  request would be accepted. ``max_calls_in_any_window`` uses the same half-open windows, so a
  client that never exceeds ``max_calls`` in it never sees a rate-limit 429.
* **Faults.** ``inject`` queues faults in FIFO order. Each request takes the first queued fault
  whose ``path_contains`` occurs in the request path (the percent-decoded path, without the query
  string). A faulted request is never rejected by the rate limiter, but it still counts as an
  arrival. Injected 429s are not counted by ``rate_violations``.
* **Selections.** Every variable of a table must be selected (no elimination), value codes are
  explicit codes or ``*`` (all values), and codes are matched exactly (case-sensitive). Table ids
  are matched case-insensitively. ``codelist[VAR]=x`` / ``"codelist"`` is accepted for known
  variables and otherwise ignored. The answer lists the selected values in metadata order, no
  matter the order in which they were requested.
* **Recorded tables.** ``/metadata`` answers the recorded metadata byte for byte; ``/tables/{id}``
  is derived from it (``firstPeriod``/``lastPeriod`` from the time dimension). ``/data`` answers a
  selection from the recorded data response: the recorded dataset cut down to the selected codes
  (in recorded order), with its ``note``, ``updated``, ``extension``, the dimensions' extensions and
  any ``status`` symbols kept. A selection must name codes the recording holds: a code the table
  has but the recording lacks is a 400 that says so, and ``*`` is only answered when the recording
  holds every value the metadata lists. A ``codelist`` must be one the metadata lists for the
  variable. The recording's language is the only one served (a request without ``lang`` gets it).
* **Listing.** ``/tables`` lists the served tables, then the entries loaded with
  :meth:`PxWebServer.add_listing` (e.g. a recorded ``/tables`` page), which also answer
  ``/tables/{id}`` as recorded. ``query`` keeps the tables in which every word of the query occurs
  (case-insensitive) in the id, the label or an id or label of the ``paths`` (the table's place in
  the old v1 tree). ``pageSize`` (default ``page_size``) and ``pageNumber`` page the result, with
  ``next``/``previous``/``last`` links in ``page.links`` written like SCB's (``pagesize=``), so
  the listing's parameter names are matched case-insensitively.
* **Recording.** Every request is recorded in ``requests`` just before its answer is written;
  ``status`` is ``0`` for a request whose connection was closed without an answer. ``cells`` is
  set whenever a data selection was valid, including selections rejected with 403.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from local_http import BASE_FAULT_KINDS, LocalHttpServer, RequestHandler, json_number

__all__ = ["FakeTable", "PxWebServer", "RecordedRequest", "RecordedTable", "Variable"]

API_PREFIX = "/api/v2"
JSON_TYPE = "application/json; charset=utf-8"
PROBLEM_TYPE = "application/problem+json; charset=utf-8"
LANGUAGES = {"en": "English", "sv": "Svenska"}
DEFAULT_LANGUAGE = "en"
FAULT_KINDS = (*BASE_FAULT_KINDS, "changed_dimensions")

_SELECTION_PARAM = re.compile(r"(valuecodes|codelist)\[(.*)\]", re.IGNORECASE)


@dataclass
class Variable:
    """One variable (json-stat2 dimension) of a fake table."""

    code: str
    label: str
    values: list[tuple[str, str]]
    time: bool = False
    metric: bool = False
    units: dict[str, tuple[str, int]] | None = None


@dataclass
class FakeTable:
    """A table served by :class:`PxWebServer`; cell values come from the ``value`` callable."""

    id: str
    label: str
    updated: str
    variables: list[Variable]
    value: Callable[[dict[str, str]], float | int | None]
    status: Callable[[dict[str, str]], str | None] = lambda c: None
    note: list[str] = field(default_factory=list)
    source: str = "SCB"


@dataclass
class RecordedTable:
    """A table served from real recorded responses: its ``/metadata`` and one ``/data`` answer.

    ``metadata`` is the metadata response's bytes (served as they are), ``data`` the recorded
    json-stat2 data document; ``paths`` is the table's place in the v1 tree as ``/tables`` lists it
    (empty unless given). ``updated`` overrides what ``/tables/{id}`` reports (by default the
    metadata's ``updated``); the recorded documents are never changed.
    """

    metadata: bytes
    data: dict[str, Any]
    paths: list[list[dict[str, str]]] = field(default_factory=list)
    updated: str | None = None
    metadata_doc: dict[str, Any] = field(init=False, repr=False)
    id: str = field(init=False)
    label: str = field(init=False)
    source: str = field(init=False)
    language: str = field(init=False)

    def __post_init__(self) -> None:
        self.metadata_doc = json.loads(self.metadata)
        px = (self.metadata_doc.get("extension") or {}).get("px") or {}
        data_px = (self.data.get("extension") or {}).get("px") or {}
        self.id = str(px.get("tableid") or data_px.get("tableid") or "")
        if not self.id:
            raise ValueError("the recorded metadata names no table (extension.px.tableid)")
        if list(self.data["id"]) and not set(self.data["id"]) <= set(self.metadata_doc["id"]):
            raise ValueError(f"the recorded data of {self.id} has variables the metadata lacks")
        self.label = str(self.metadata_doc.get("label", ""))
        self.source = str(self.metadata_doc.get("source", ""))
        self.language = str(px.get("language") or DEFAULT_LANGUAGE)
        if self.updated is None:
            self.updated = self.metadata_doc.get("updated")

    @classmethod
    def from_files(
        cls,
        metadata_path: str | Path,
        data_path: str | Path,
        *,
        paths: list[list[dict[str, str]]] | None = None,
    ) -> RecordedTable:
        """Read a recorded ``/metadata`` response and a recorded ``/data`` response."""
        return cls(
            metadata=Path(metadata_path).read_bytes(),
            data=json.loads(Path(data_path).read_bytes()),
            paths=list(paths or []),
        )

    def metadata_codes(self, variable: str) -> list[str]:
        """The variable's value codes as the metadata lists them, in order."""
        return _ordered_codes(self.metadata_doc["dimension"][variable]["category"])

    def recorded_codes(self, variable: str) -> list[str]:
        """The variable's value codes in the recorded data response, in order."""
        return _ordered_codes(self.data["dimension"][variable]["category"])

    def codelist_ids(self, variable: str) -> list[str]:
        """The codelists the metadata offers for a variable."""
        extension = self.metadata_doc["dimension"][variable].get("extension") or {}
        return [str(c.get("id")) for c in extension.get("codelists") or []]


def _ordered_codes(category: dict[str, Any]) -> list[str]:
    """Category codes in json-stat2 index order (``index`` as an object or an array)."""
    index = category.get("index")
    if index is None:
        return list(category.get("label") or {})
    if isinstance(index, list):
        return [str(c) for c in index]
    return [code for code, _ in sorted(index.items(), key=lambda item: item[1])]


def _time_unit(codes: list[str]) -> str:
    if codes and all(re.fullmatch(r"\d{4}M\d{2}", c) for c in codes):
        return "Monthly"
    if codes and all(re.fullmatch(r"\d{4}[KQ]\d", c) for c in codes):
        return "Quarterly"
    return "Annual"


@dataclass
class RecordedRequest:
    """One request as seen by the server and the status it was answered with."""

    t: float
    method: str
    path: str
    query: dict[str, list[str]]
    body: dict | None
    status: int
    cells: int | None


@dataclass
class _Response:
    status: int
    payload: Any
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    cells: int | None = None
    raw: bytes | None = None  # sent as it is instead of ``payload`` (a recorded response)


class _HttpError(Exception):
    """Raised inside request handling to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        cells: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.cells = cells


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> _Response:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    payload = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return _Response(status, payload, PROBLEM_TYPE, dict(headers or {}))


class PxWebServer(LocalHttpServer):
    """A threaded PxWebApi 2.0 server on ``127.0.0.1`` with limits and injectable faults.

    Lifecycle (``start``/``stop``/``with``), ``inject`` and ``requests`` come from
    :class:`local_http.LocalHttpServer`. Besides its fault kinds, ``inject`` takes
    ``"changed_dimensions"``: a normal json-stat2 answer with an extra one-valued dimension
    ``"Extra"`` first in ``id``/``size``/``dimension``.
    """

    api_prefix = API_PREFIX
    fault_kinds = FAULT_KINDS

    def __init__(
        self,
        tables: Iterable[FakeTable] = (),
        *,
        max_data_cells: int = 150_000,
        max_calls: int = 3,
        time_window: float = 1.0,
        value_as_object: bool = False,
        enforce_rate_limit: bool = True,
        page_size: int = 20,
    ) -> None:
        if max_calls < 1:
            raise ValueError("max_calls must be at least 1")
        if time_window <= 0:
            raise ValueError("time_window must be positive")
        super().__init__()
        self.max_data_cells = max_data_cells
        self.max_calls = max_calls
        self.time_window = time_window
        self.value_as_object = value_as_object
        self.enforce_rate_limit = enforce_rate_limit
        self.page_size = page_size
        self.requests: list[RecordedRequest] = []
        self._tables: dict[str, FakeTable | RecordedTable] = {}
        self._listing: dict[str, dict[str, Any]] = {}
        self._arrivals: deque[float] = deque()
        self._violations = 0
        for table in tables:
            self.add_table(table)

    # ------------------------------------------------------------------ configuration

    def add_table(self, table: FakeTable | RecordedTable) -> None:
        """Serve ``table`` (replacing a table with the same id)."""
        with self._lock:
            self._tables[table.id.upper()] = table

    def add_listing(self, entries: Iterable[dict[str, Any]]) -> None:
        """List these ``/tables`` entries (e.g. the ``tables`` of a recorded page) as they are.

        They answer ``/tables/{id}`` with the entry; they have no metadata or data. A served
        table with the same id is listed in their place.
        """
        with self._lock:
            for entry in entries:
                self._listing[str(entry["id"]).upper()] = copy.deepcopy(entry)

    def set_updated(self, table_id: str, updated: str) -> None:
        """Change the ``updated`` timestamp that is reported for a table."""
        with self._lock:
            key = table_id.upper()
            if key not in self._tables:
                raise KeyError(table_id)
            self._tables[key] = replace(self._tables[key], updated=updated)

    # ------------------------------------------------------------------ inspection

    def data_requests(self) -> list[RecordedRequest]:
        """Recorded requests to a ``/tables/{id}/data`` endpoint."""
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith("/data")]

    def rate_violations(self) -> int:
        """Number of requests answered 429 by the rate limiter (injected 429s excluded)."""
        with self._lock:
            return self._violations

    def max_calls_in_any_window(self) -> int:
        """Largest number of recorded requests that arrived within one ``time_window``.

        All requests count, including rejected and faulted ones; windows are half-open,
        ``(t - time_window, t]``, exactly as in the rate limiter.
        """
        with self._lock:
            times = sorted(r.t for r in self.requests)
        best = 0
        start = 0
        for end, t in enumerate(times):
            while times[start] <= t - self.time_window:
                start += 1
            best = max(best, end - start + 1)
        return best

    # ------------------------------------------------------------------ request handling

    def _arrive(self) -> tuple[float, int | None]:
        """Register an arrival; return its time and, if it breaks the limit, a Retry-After."""
        with self._lock:
            now = time.monotonic()
            window = self._arrivals
            while window and window[0] <= now - self.time_window:
                window.popleft()
            window.append(now)
            if not self.enforce_rate_limit or len(window) <= self.max_calls:
                return now, None
            # A new request is accepted once at most max_calls - 1 of these arrivals remain.
            frees_at = window[len(window) - self.max_calls] + self.time_window
            return now, max(1, math.ceil(frees_at - now))

    @staticmethod
    def _read_body(handler: RequestHandler) -> bytes:
        if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
        try:
            length = int(handler.headers.get("Content-Length", "0"))
        except ValueError:
            length = 0
        return handler.rfile.read(length) if length > 0 else b""

    def _serve(self, handler: RequestHandler) -> None:
        arrived, retry_after = self._arrive()
        split = urlsplit(handler.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        raw_body = self._read_body(handler)
        body: Any = None
        body_error: str | None = None
        if raw_body.strip():
            try:
                body = json.loads(raw_body)
            except ValueError as exc:
                body_error = f"Request body is not valid JSON: {exc}"
        record = RecordedRequest(
            t=arrived,
            method=handler.command,
            path=path,
            query=query,
            body=body if isinstance(body, dict) else None,
            status=0,
            cells=None,
        )

        fault = self._take_fault(path)
        if fault is not None and fault.kind == "close":
            self._record(record)
            handler.close_connection = True
            return

        if fault is not None and fault.kind == "status":
            response = _problem(fault.status, f"Injected fault: HTTP {fault.status}", fault.headers)
        elif fault is None and retry_after is not None:
            with self._lock:
                self._violations += 1
            response = _problem(
                429,
                f"Too many requests: more than {self.max_calls} calls within "
                f"{self._window_text()} seconds. Retry after {retry_after} seconds.",
                {"Retry-After": str(retry_after)},
            )
        else:
            if fault is not None and fault.kind == "delay":
                self._stopping.wait(fault.delay)
            try:
                response = self._route(handler.command, path, query, body, body_error)
            except _HttpError as exc:
                response = _problem(exc.status, exc.detail, exc.headers)
                response.cells = exc.cells
            except Exception as exc:  # a broken value/status callable in a test fixture
                response = _problem(500, f"Internal error: {exc!r}")
            if fault is not None and fault.kind == "changed_dimensions":
                self._add_extra_dimension(response)

        record.status = response.status
        record.cells = response.cells
        self._record(record)
        self._send(handler, response, truncate=fault is not None and fault.kind == "truncate")

    def _send(
        self, handler: RequestHandler, response: _Response, *, truncate: bool = False
    ) -> None:
        if response.raw is not None:
            self._send_bytes(
                handler,
                response.status,
                response.raw,
                response.content_type,
                response.headers,
                truncate=truncate,
            )
            return
        self._send_json(
            handler,
            response.status,
            response.payload,
            response.content_type,
            response.headers,
            truncate=truncate,
        )

    @staticmethod
    def _add_extra_dimension(response: _Response) -> None:
        payload = response.payload
        if response.status != 200 or not isinstance(payload, dict):
            return
        if payload.get("class") != "dataset":
            return
        extra = {
            "label": "extra",
            "category": {"index": {"X": 0}, "label": {"X": "extra"}},
            "extension": {"elimination": False, "show": "value", "codelists": []},
        }
        payload["id"] = ["Extra", *payload["id"]]
        payload["size"] = [1, *payload["size"]]
        payload["dimension"] = {"Extra": extra, **payload["dimension"]}

    def _window_text(self) -> str:
        return str(self._window_value())

    def _window_value(self) -> int | float:
        window = float(self.time_window)
        return int(window) if window.is_integer() else window

    # ------------------------------------------------------------------ routing

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        body_error: str | None,
    ) -> _Response:
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            raise _HttpError(404, f"No resource at path '{path}'")
        rest = path[len(API_PREFIX) :].strip("/")
        parts = rest.split("/") if rest else []

        lang_given = bool(query.get("lang"))
        lang = (query.get("lang") or [DEFAULT_LANGUAGE])[-1].lower()
        if lang not in LANGUAGES:
            raise _HttpError(
                400, f"Language '{lang}' is not supported; use one of {sorted(LANGUAGES)}"
            )
        for output_format in query.get("outputFormat", []):
            if output_format != "json-stat2":
                raise _HttpError(
                    400,
                    f"Output format '{output_format}' is not supported; "
                    "this server only answers json-stat2",
                )

        if parts == ["config"]:
            self._require(method, "GET")
            return _Response(200, self._config())
        if parts == ["tables"]:
            self._require(method, "GET")
            return _Response(200, self._table_list(lang, query))
        if len(parts) == 2 and parts[0] == "tables":
            with self._lock:
                listed = self._listing.get(parts[1].upper())
                served = parts[1].upper() in self._tables
            if listed is not None and not served:
                self._require(method, "GET")
                return _Response(200, {"language": lang, **copy.deepcopy(listed)})
        if len(parts) >= 2 and parts[0] == "tables":
            table = self._table(parts[1])
            if isinstance(table, RecordedTable):
                return self._route_recorded(
                    table, method, parts[2:], query, body, body_error, lang if lang_given else None
                )
            if len(parts) == 2:
                self._require(method, "GET")
                return _Response(200, {"language": lang, **self._table_info(table, lang)})
            if parts[2:] == ["metadata"]:
                self._require(method, "GET")
                selected = [(var, list(var.values)) for var in table.variables]
                return _Response(200, self._dataset(table, selected, lang, with_values=False))
            if parts[2:] == ["data"]:
                self._require(method, "GET", "POST")
                if method == "POST":
                    if body_error is not None:
                        raise _HttpError(400, body_error)
                    selections, codelists = self._post_selection(table, body)
                else:
                    selections, codelists = self._get_selection(table, query)
                selected = self._resolve(table, selections, codelists)
                cells = math.prod(len(values) for _, values in selected)
                self._check_cells(table.id, cells)
                dataset = self._dataset(table, selected, lang, with_values=True)
                return _Response(200, dataset, cells=cells)
        raise _HttpError(404, f"No resource at path '{path}'")

    @staticmethod
    def _require(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise _HttpError(
                405,
                f"Method {method} is not allowed here; use {' or '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )

    def _table(self, table_id: str) -> FakeTable | RecordedTable:
        with self._lock:
            table = self._tables.get(table_id.upper())
            listed = table_id.upper() in self._listing
        if table is None:
            if listed:
                raise _HttpError(
                    404,
                    f"Table with id '{table_id}' is only listed: this server has no metadata or "
                    "data for it",
                )
            raise _HttpError(404, f"Table with id '{table_id}' can not be found")
        return table

    def _check_cells(self, table_id: str, cells: int) -> None:
        if cells > self.max_data_cells:
            raise _HttpError(
                403,
                f"The selection from table {table_id} gives {cells} data cells, which "
                f"exceeds the limit of {self.max_data_cells} cells (maxDataCells)",
                cells=cells,
            )

    # ------------------------------------------------------------------ recorded tables

    def _route_recorded(
        self,
        table: RecordedTable,
        method: str,
        rest: list[str],
        query: dict[str, list[str]],
        body: Any,
        body_error: str | None,
        lang: str | None,
    ) -> _Response:
        if lang is not None and lang != table.language:
            raise _HttpError(
                400,
                f"Table {table.id} is recorded in language '{table.language}' only; "
                f"'{lang}' was asked for",
            )
        lang = table.language
        if not rest:
            self._require(method, "GET")
            return _Response(200, {"language": lang, **self._recorded_info(table, lang)})
        if rest == ["metadata"]:
            self._require(method, "GET")
            return _Response(200, None, raw=table.metadata)
        if rest == ["data"]:
            self._require(method, "GET", "POST")
            if method == "POST":
                if body_error is not None:
                    raise _HttpError(400, body_error)
                selections, codelists = self._post_selection(table, body)
            else:
                selections, codelists = self._get_selection(table, query)
            chosen = self._resolve_recorded(table, selections, codelists)
            cells = math.prod(len(codes) for codes in chosen.values())
            self._check_cells(table.id, cells)
            return _Response(200, self._recorded_dataset(table, chosen), cells=cells)
        raise _HttpError(
            404, f"No resource at path '{API_PREFIX}/tables/{table.id}/{'/'.join(rest)}'"
        )

    @staticmethod
    def _resolve_recorded(
        table: RecordedTable, selections: dict[str, list[str]], codelists: dict[str, str]
    ) -> dict[str, list[str]]:
        """The selected codes per recorded dimension, in recorded order, or a 400."""
        variables = list(table.data["id"])
        for variable in [*selections, *codelists]:
            if variable not in table.metadata_doc["dimension"]:
                raise _HttpError(400, f"Variable '{variable}' does not exist in table {table.id}")
        not_recorded = [v for v in selections if v not in variables]
        if not_recorded:
            raise _HttpError(
                400,
                f"Variable(s) {', '.join(not_recorded)} of table {table.id} are not in the "
                f"recorded response, which has {', '.join(variables)}",
            )
        missing = [v for v in variables if v not in selections]
        if missing:
            names = ", ".join(f"'{code}'" for code in missing)
            raise _HttpError(
                400,
                f"No selection for variable(s) {names} in table {table.id}; every variable of "
                "the recorded response must be selected",
            )
        for variable, codelist in codelists.items():
            offered = table.codelist_ids(variable)
            if codelist not in offered:
                raise _HttpError(
                    400,
                    f"Codelist '{codelist}' is not a codelist of variable '{variable}' in table "
                    f"{table.id}; it has {', '.join(offered) or 'none'}",
                )
        chosen: dict[str, list[str]] = {}
        for variable in variables:
            recorded = table.recorded_codes(variable)
            listed = table.metadata_codes(variable)
            codes = selections[variable]
            if "*" in codes:
                if set(listed) - set(recorded):
                    raise _HttpError(
                        400,
                        f"'*' for variable '{variable}' in table {table.id} asks for all "
                        f"{len(listed)} values, but the recorded response holds "
                        f"{len(recorded)} of them; select value codes from the recording",
                    )
                chosen[variable] = recorded
                continue
            for code in codes:
                if code in recorded:
                    continue
                if code in listed:
                    raise _HttpError(
                        400,
                        f"Value code '{code}' of variable '{variable}' in table {table.id} is "
                        f"not in the recorded response, which holds {', '.join(recorded)}",
                    )
                raise _HttpError(
                    400,
                    f"Value code '{code}' is not a valid value code for variable "
                    f"'{variable}' in table {table.id}",
                )
            wanted = set(codes)
            chosen[variable] = [c for c in recorded if c in wanted]
        return chosen

    def _recorded_dataset(self, table: RecordedTable, chosen: dict[str, list[str]]) -> dict:
        """The recorded data document cut down to ``chosen`` codes (row-major over ``size``)."""
        doc = table.data
        ids = list(doc["id"])
        recorded_sizes = [int(n) for n in doc["size"]]
        strides = [math.prod(recorded_sizes[i + 1 :]) for i in range(len(ids))]
        positions = []
        for variable in ids:
            order = {code: i for i, code in enumerate(table.recorded_codes(variable))}
            positions.append([order[code] for code in chosen[variable]])
        sources = [
            sum(p * stride for p, stride in zip(combo, strides, strict=True))
            for combo in itertools.product(*positions)
        ]
        raw_values = doc.get("value")
        if isinstance(raw_values, dict):
            values = [raw_values.get(str(i)) for i in sources]
        else:
            values = [raw_values[i] for i in sources]
        raw_status = doc.get("status")
        status: Any = None
        if isinstance(raw_status, dict):
            status = {
                str(n): raw_status[str(i)] for n, i in enumerate(sources) if str(i) in raw_status
            }
        elif isinstance(raw_status, list):
            status = [raw_status[i] for i in sources]
        elif raw_status is not None:
            status = raw_status  # one symbol for every cell

        out: dict[str, Any] = {}
        for key, item in doc.items():
            if key == "size":
                out[key] = [len(chosen[v]) for v in ids]
            elif key == "dimension":
                out[key] = {
                    v: self._recorded_dimension(item[v], chosen[v])
                    if v in chosen
                    else copy.deepcopy(item[v])
                    for v in item
                }
            elif key == "value":
                if self.value_as_object or isinstance(raw_values, dict):
                    out[key] = {str(i): v for i, v in enumerate(values) if v is not None}
                else:
                    out[key] = values
            elif key == "status":
                out[key] = status
            else:
                out[key] = copy.deepcopy(item)
        return out

    @staticmethod
    def _recorded_dimension(dim: dict[str, Any], codes: list[str]) -> dict[str, Any]:
        out = copy.deepcopy(dim)
        category = out["category"]
        keep = set(codes)
        if isinstance(category.get("index"), list):
            category["index"] = list(codes)
        elif "index" in category:
            category["index"] = {code: i for i, code in enumerate(codes)}
        for key in ("label", "unit", "child", "coordinates"):
            if isinstance(category.get(key), dict):
                category[key] = {c: v for c, v in category[key].items() if c in keep}
        return out

    def _recorded_info(self, table: RecordedTable, lang: str) -> dict[str, Any]:
        meta = table.metadata_doc
        time_code = ((meta.get("role") or {}).get("time") or [None])[0]
        periods = table.metadata_codes(time_code) if time_code in meta["dimension"] else []
        px = (meta.get("extension") or {}).get("px") or {}
        return {
            "id": table.id,
            "label": table.label,
            "description": "",
            "sortCode": table.id,
            "updated": table.updated,
            "firstPeriod": periods[0] if periods else None,
            "lastPeriod": periods[-1] if periods else None,
            "category": "public",
            "variableNames": [meta["dimension"][v].get("label", v) for v in meta["id"]],
            "source": table.source,
            "subjectCode": str(px.get("subject-code", "")),
            "timeUnit": _time_unit(periods),
            "paths": copy.deepcopy(table.paths),
            "links": self._table_links(table.id, lang),
        }

    # ------------------------------------------------------------------ selections

    @staticmethod
    def _get_selection(
        table: FakeTable | RecordedTable, query: dict[str, list[str]]
    ) -> tuple[dict[str, list[str]], dict[str, str]]:
        selections: dict[str, list[str]] = {}
        codelists: dict[str, str] = {}
        for key, raw_values in query.items():
            match = _SELECTION_PARAM.fullmatch(key)
            if match is None:
                continue
            kind, variable = match.group(1).lower(), match.group(2)
            if kind == "codelist":
                codelists[variable] = raw_values[-1]
                continue
            codes = [c.strip() for raw in raw_values for c in raw.split(",") if c.strip()]
            if not codes:
                raise _HttpError(
                    400, f"No value codes given for variable '{variable}' in table {table.id}"
                )
            selections.setdefault(variable, []).extend(codes)
        return selections, codelists

    @staticmethod
    def _post_selection(
        table: FakeTable | RecordedTable, body: Any
    ) -> tuple[dict[str, list[str]], dict[str, str]]:
        if not isinstance(body, dict) or not isinstance(body.get("selection"), list):
            raise _HttpError(400, 'Request body must be a JSON object with a "selection" array')
        selections: dict[str, list[str]] = {}
        codelists: dict[str, str] = {}
        for item in body["selection"]:
            if not isinstance(item, dict) or not isinstance(item.get("variableCode"), str):
                raise _HttpError(400, f"Selection item {item!r} has no string variableCode")
            variable = item["variableCode"]
            codes = item.get("valueCodes")
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise _HttpError(
                    400, f"valueCodes for variable '{variable}' must be an array of strings"
                )
            if not codes:
                raise _HttpError(
                    400, f"No value codes given for variable '{variable}' in table {table.id}"
                )
            if variable in selections:
                raise _HttpError(400, f"Variable '{variable}' is selected more than once")
            selections[variable] = list(codes)
            codelist = item.get("codelist")
            if codelist is not None:
                if not isinstance(codelist, str):
                    raise _HttpError(400, f"codelist for variable '{variable}' must be a string")
                codelists[variable] = codelist
        return selections, codelists

    @staticmethod
    def _resolve(
        table: FakeTable, selections: dict[str, list[str]], codelists: dict[str, str]
    ) -> list[tuple[Variable, list[tuple[str, str]]]]:
        known = {var.code for var in table.variables}
        for variable in [*selections, *codelists]:
            if variable not in known:
                raise _HttpError(400, f"Variable '{variable}' does not exist in table {table.id}")
        missing = [var.code for var in table.variables if var.code not in selections]
        if missing:
            names = ", ".join(f"'{code}'" for code in missing)
            raise _HttpError(
                400,
                f"No selection for variable(s) {names} in table {table.id}; "
                "every variable must be selected",
            )
        selected: list[tuple[Variable, list[tuple[str, str]]]] = []
        for var in table.variables:
            codes = selections[var.code]
            if "*" in codes:
                selected.append((var, list(var.values)))
                continue
            valid = {code for code, _ in var.values}
            for code in codes:
                if code not in valid:
                    raise _HttpError(
                        400,
                        f"Value code '{code}' is not a valid value code for variable "
                        f"'{var.code}' in table {table.id}",
                    )
            chosen = set(codes)
            selected.append((var, [(c, label) for c, label in var.values if c in chosen]))
        return selected

    # ------------------------------------------------------------------ documents

    def _config(self) -> dict[str, Any]:
        return {
            "apiVersion": "2.0.0",
            "appVersion": "test",
            "languages": [{"id": code, "label": label} for code, label in LANGUAGES.items()],
            "defaultLanguage": DEFAULT_LANGUAGE,
            "maxDataCells": self.max_data_cells,
            "maxCallsPerTimeWindow": self.max_calls,
            "timeWindow": self._window_value(),
            "license": "https://creativecommons.org/share-your-work/public-domain/cc0/",
            "sourceReferences": [
                {"language": "en", "text": "Source: Statistics Sweden"},
                {"language": "sv", "text": "Källa: SCB"},
            ],
            "defaultDataFormat": "json-stat2",
            "dataFormats": ["json-stat2"],
            "features": [{"id": "CORS", "params": [{"key": "enabled", "value": "True"}]}],
        }

    def _table_list(self, lang: str, query: dict[str, list[str]]) -> dict[str, Any]:
        params = {key.lower(): values[-1] for key, values in query.items() if values}
        with self._lock:
            served = list(self._tables.values())
            listed = [e for key, e in self._listing.items() if key not in self._tables]
        entries = [
            self._recorded_info(t, lang)
            if isinstance(t, RecordedTable)
            else self._table_info(t, lang)
            for t in served
        ]
        entries.extend(copy.deepcopy(listed))
        search = params.get("query", "").strip()
        if search:
            words = search.casefold().split()
            entries = [e for e in entries if all(w in _search_text(e) for w in words)]
        page_size = self._positive(params, "pagesize", "pageSize", self.page_size)
        page_number = self._positive(params, "pagenumber", "pageNumber", 1)
        total = len(entries)
        pages = max(1, math.ceil(total / page_size))
        if page_number > pages:
            raise _HttpError(
                400, f"pageNumber {page_number} is beyond the last page ({pages} of {page_size})"
            )
        start = (page_number - 1) * page_size

        def href(number: int) -> str:
            args = {"lang": lang, **({"query": search} if search else {})}
            args.update(pagesize=str(page_size), pageNumber=str(number))
            return f"{self.url}/tables/?{urlencode(args)}"

        links = []
        if page_number > 1:
            links.append({"rel": "previous", "hreflang": lang, "href": href(page_number - 1)})
        if page_number < pages:
            links.append({"rel": "next", "hreflang": lang, "href": href(page_number + 1)})
        if pages > 1:
            links.append({"rel": "last", "hreflang": lang, "href": href(pages)})
        return {
            "language": lang,
            "tables": entries[start : start + page_size],
            "page": {
                "pageNumber": page_number,
                "pageSize": page_size,
                "totalElements": total,
                "totalPages": pages,
                "links": links,
            },
            "links": [{"rel": "self", "hreflang": lang, "href": href(page_number)}],
        }

    @staticmethod
    def _positive(params: dict[str, str], key: str, name: str, default: int) -> int:
        raw = params.get(key)
        if raw is None or raw == "":
            return default
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise _HttpError(
                400, f"Query parameter '{name}' must be a positive integer; got '{raw}'"
            )
        return number

    def _table_info(self, table: FakeTable, lang: str) -> dict[str, Any]:
        time_var = next((var for var in table.variables if var.time), None)
        first = time_var.values[0][0] if time_var and time_var.values else None
        last = time_var.values[-1][0] if time_var and time_var.values else None
        return {
            "id": table.id,
            "label": table.label,
            "description": "",
            "sortCode": table.id,
            "updated": table.updated,
            "firstPeriod": first,
            "lastPeriod": last,
            "category": "public",
            "variableNames": [var.label for var in table.variables],
            "source": table.source,
            "subjectCode": "",
            "timeUnit": "Annual",
            "paths": [],
            "links": self._table_links(table.id, lang),
        }

    def _table_links(self, table_id: str, lang: str) -> list[dict[str, str]]:
        other = "sv" if lang == "en" else "en"
        base = f"{self.url}/tables/{table_id}"
        return [
            {"rel": "self", "hreflang": lang, "href": f"{base}?lang={lang}"},
            {"rel": "alternate", "hreflang": other, "href": f"{base}?lang={other}"},
            {"rel": "metadata", "hreflang": lang, "href": f"{base}/metadata?lang={lang}"},
            {
                "rel": "data",
                "hreflang": lang,
                "href": f"{base}/data?lang={lang}&outputFormat=json-stat2",
            },
        ]

    @staticmethod
    def _dimension(var: Variable, values: list[tuple[str, str]]) -> dict[str, Any]:
        category: dict[str, Any] = {
            "index": {code: position for position, (code, _) in enumerate(values)},
            "label": dict(values),
        }
        if var.metric:
            units = var.units or {}
            category["unit"] = {
                code: {"base": units.get(code, ("", 0))[0], "decimals": units.get(code, ("", 0))[1]}
                for code, _ in values
            }
        extension = {
            "elimination": False,
            "show": "code" if var.time else "value",
            "codelists": [],
        }
        return {"label": var.label, "category": category, "extension": extension}

    def _dataset(
        self,
        table: FakeTable,
        selected: list[tuple[Variable, list[tuple[str, str]]]],
        lang: str,
        *,
        with_values: bool,
    ) -> dict[str, Any]:
        role: dict[str, list[str]] = {}
        time_codes = [var.code for var in table.variables if var.time]
        metric_codes = [var.code for var in table.variables if var.metric]
        if time_codes:
            role["time"] = time_codes
        if metric_codes:
            role["metric"] = metric_codes
        dataset: dict[str, Any] = {
            "version": "2.0",
            "class": "dataset",
            "label": table.label,
            "source": table.source,
            "updated": table.updated,
            "note": list(table.note),
            "role": role,
            "id": [var.code for var, _ in selected],
            "size": [len(values) for _, values in selected],
            "dimension": {var.code: self._dimension(var, values) for var, values in selected},
            "extension": {"px": {"tableid": table.id, "language": lang}},
            "value": [],
        }
        if not with_values:
            return dataset

        names = [var.code for var, _ in selected]
        code_lists = [[code for code, _ in values] for _, values in selected]
        values: list[float | int | None] = []
        status: dict[str, str] = {}
        for index, combination in enumerate(itertools.product(*code_lists)):
            coordinates = dict(zip(names, combination, strict=True))
            values.append(json_number(table.value(coordinates)))
            symbol = table.status(coordinates)
            if symbol is not None:
                status[str(index)] = symbol
        if self.value_as_object:
            dataset["value"] = {str(i): v for i, v in enumerate(values) if v is not None}
        else:
            dataset["value"] = values
        if status:
            dataset["status"] = status
        return dataset


def _search_text(entry: dict[str, Any]) -> str:
    """What ``query`` searches in a listing entry: id, label, and the ids and labels of its paths."""
    parts = [str(entry.get("id", "")), str(entry.get("label", ""))]
    for path in entry.get("paths") or []:
        for node in path:
            parts.extend((str(node.get("id", "")), str(node.get("label", ""))))
    return "\n".join(parts).casefold()
