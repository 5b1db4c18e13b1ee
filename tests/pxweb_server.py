"""A small PxWebApi 2.0 test server built on the standard library only.

The server speaks enough of the PxWebApi 2.0 protocol (see ``PxAPI-2.yml``) for an HTTP client to
be exercised end to end on ``127.0.0.1``:

* ``GET  /api/v2/config``                 API configuration (limits come from the constructor)
* ``GET  /api/v2/tables``                 all tables (one page)
* ``GET  /api/v2/tables/{id}``            table information
* ``GET  /api/v2/tables/{id}/metadata``   json-stat2 metadata (``value`` is ``[]``)
* ``GET  /api/v2/tables/{id}/data``       json-stat2 data, selection as ``valuecodes[VAR]=a,b``
* ``POST /api/v2/tables/{id}/data``       json-stat2 data, selection as a JSON body

Errors are ``application/problem+json`` documents (RFC 7807) whose ``detail`` names what is wrong.

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
* **Recording.** Every request is recorded in ``requests`` just before its answer is written;
  ``status`` is ``0`` for a request whose connection was closed without an answer. ``cells`` is
  set whenever a data selection was valid, including selections rejected with 403.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from local_http import BASE_FAULT_KINDS, LocalHttpServer, RequestHandler, json_number

__all__ = ["FakeTable", "PxWebServer", "RecordedRequest", "Variable"]

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
        self.requests: list[RecordedRequest] = []
        self._tables: dict[str, FakeTable] = {}
        self._arrivals: deque[float] = deque()
        self._violations = 0
        for table in tables:
            self.add_table(table)

    # ------------------------------------------------------------------ configuration

    def add_table(self, table: FakeTable) -> None:
        """Serve ``table`` (replacing a table with the same id)."""
        with self._lock:
            self._tables[table.id.upper()] = table

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
            return _Response(200, self._table_list(lang))
        if len(parts) >= 2 and parts[0] == "tables":
            table = self._table(parts[1])
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
                if cells > self.max_data_cells:
                    raise _HttpError(
                        403,
                        f"The selection from table {table.id} gives {cells} data cells, which "
                        f"exceeds the limit of {self.max_data_cells} cells (maxDataCells)",
                        cells=cells,
                    )
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

    def _table(self, table_id: str) -> FakeTable:
        with self._lock:
            table = self._tables.get(table_id.upper())
        if table is None:
            raise _HttpError(404, f"Table with id '{table_id}' can not be found")
        return table

    # ------------------------------------------------------------------ selections

    @staticmethod
    def _get_selection(
        table: FakeTable, query: dict[str, list[str]]
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
    def _post_selection(table: FakeTable, body: Any) -> tuple[dict[str, list[str]], dict[str, str]]:
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

    def _table_list(self, lang: str) -> dict[str, Any]:
        with self._lock:
            tables = list(self._tables.values())
        count = len(tables)
        return {
            "language": lang,
            "tables": [self._table_info(table, lang) for table in tables],
            "page": {
                "pageNumber": 1,
                "pageSize": max(count, 1),
                "totalElements": count,
                "totalPages": 1,
                "links": [],
            },
            "links": [],
        }

    def _table_info(self, table: FakeTable, lang: str) -> dict[str, Any]:
        time_var = next((var for var in table.variables if var.time), None)
        first = time_var.values[0][0] if time_var and time_var.values else None
        last = time_var.values[-1][0] if time_var and time_var.values else None
        other = "sv" if lang == "en" else "en"
        base = f"{self.url}/tables/{table.id}"
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
            "links": [
                {"rel": "self", "hreflang": lang, "href": f"{base}?lang={lang}"},
                {"rel": "alternate", "hreflang": other, "href": f"{base}?lang={other}"},
                {"rel": "metadata", "hreflang": lang, "href": f"{base}/metadata?lang={lang}"},
                {
                    "rel": "data",
                    "hreflang": lang,
                    "href": f"{base}/data?lang={lang}&outputFormat=json-stat2",
                },
            ],
        }

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
