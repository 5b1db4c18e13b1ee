"""A small Kolada v3 test server built on the standard library only.

The server speaks enough of the Kolada v3 API (``https://api.kolada.se/v3``) for an HTTP client to
be exercised end to end on ``127.0.0.1``:

* ``GET /v3/kpi``                                   all KPIs (``?title=`` filters, case-insensitive)
* ``GET /v3/kpi/{ids}``                             KPI metadata; unknown ids are left out
  (``publication_date`` and ``prel_publication_date`` as set on the :class:`KoladaKpi`)
* ``GET /v3/data/kpi/{kpis}/municipality/{municipalities}/year/{years}``
* ``GET /v3/data/kpi/{kpis}/municipality/{municipalities}``   all years
* ``GET /v3/data/kpi/{kpis}/year/{years}``                    all served municipalities
* ``GET /v3/data/municipality/{municipalities}/year/{years}`` all KPIs

Every ``{...}`` segment is a comma-separated list of at most 25 ids; more gives HTTP 422. Errors
are JSON objects ``{"detail": "..."}`` naming what is wrong, like the real (FastAPI) service.

Behaviour worth knowing when writing tests against it:

* **Data.** One item per (kpi, municipality, period), ordered by kpi id, municipality id and
  period. A KPI that is not divided by gender has only a ``"T"`` row in ``values``; a divided one
  has ``"T"``, ``"K"`` and ``"M"`` in that order. A value of ``None`` (or a non-finite float) is
  sent as ``null`` with ``"count": 0`` and ``"status": "Missing"``; a present value has
  ``"count": 1`` and ``"status": ""``. Years outside a KPI's ``years``, municipalities that are not
  served and unknown KPI ids give no items (no error). ``"0000"`` is Riket.
* **Paging.** Lists are paged with the query parameters ``page`` (1-based, default 1) and
  ``per_page``. The constructor's ``per_page`` is both the default and the largest page size the
  server hands out (the real service: 5000), so a small value forces paging even for a client
  that asks for 5000. ``count`` is the number of items on the page; ``next_url`` is the absolute
  URL of the next page (same path and query, ``page + 1``, the effective ``per_page``) or ``null``
  on the last page. A page past the end is empty. A malformed ``page``/``per_page`` gives 422.
* **Faults.** ``inject`` queues faults in FIFO order. Each request takes the first queued fault
  whose ``path_contains`` occurs in the request path (the percent-decoded path, without the query
  string).
* **Recording.** Every request is recorded in ``requests`` just before its answer is written;
  ``status`` is ``0`` for a request whose connection was closed without an answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from local_http import BASE_FAULT_KINDS, LocalHttpServer, RequestHandler, json_number

__all__ = [
    "KoladaKpi",
    "KoladaServer",
    "RecordedRequest",
    "default_value",
]

API_PREFIX = "/v3"
JSON_TYPE = "application/json"
FAULT_KINDS = BASE_FAULT_KINDS
MAX_IDS_PER_SEGMENT = 25
DEFAULT_PER_PAGE = 5000
RIKET = "0000"
GENDERS_DIVIDED = ("T", "K", "M")
GENDERS_TOTAL = ("T",)
MISSING_STATUS = "Missing"

# The data paths the real service answers: dimension names in this order, in these combinations.
_DATA_FORMS = (
    ("kpi", "municipality", "year"),
    ("kpi", "municipality"),
    ("kpi", "year"),
    ("municipality", "year"),
)


def default_value(municipality: str, year: int, gender: str) -> float:
    """Deterministic values a test can recompute: municipality, year and gender all show."""
    offset = {"T": 0.0, "K": 1.5, "M": -1.5}[gender]
    return round(50.0 + int(municipality) % 40 + 0.5 * (year - 2010) + offset, 1)


@dataclass
class KoladaKpi:
    """A KPI served by :class:`KoladaServer`; values come from the ``value`` callable.

    ``value(municipality, year, gender)`` is called with gender ``"T"``, ``"K"`` or ``"M"`` and
    returns a number or ``None`` (missing).
    """

    id: str
    title: str
    is_divided_by_gender: bool = False
    value: Callable[[str, int, str], float | None] = default_value
    years: Sequence[int] = range(2010, 2025)
    description: str = ""
    municipality_type: str = "K"
    operating_area: str = ""
    has_ou_data: bool = False
    publication_date: str | None = "2025-03-01"
    prel_publication_date: str | None = None


@dataclass
class RecordedRequest:
    """One request as seen by the server and the status it was answered with."""

    t: float
    method: str
    path: str
    query: dict[str, list[str]]
    status: int


@dataclass
class _Response:
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


class _HttpError(Exception):
    """Raised inside request handling to answer with a ``{"detail": ...}`` document."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> _Response:
    return _Response(status, {"detail": detail}, dict(headers or {}))


class KoladaServer(LocalHttpServer):
    """A threaded Kolada v3 server on ``127.0.0.1`` with paging and injectable faults.

    Lifecycle (``start``/``stop``/``with``), ``inject`` and ``requests`` come from
    :class:`local_http.LocalHttpServer`.
    """

    api_prefix = API_PREFIX
    fault_kinds = FAULT_KINDS

    def __init__(
        self,
        kpis: Iterable[KoladaKpi] = (),
        *,
        per_page: int = DEFAULT_PER_PAGE,
        municipalities: Sequence[str] = (RIKET, "0123", "0680"),
    ) -> None:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        super().__init__()
        self.per_page = per_page
        self.municipalities: tuple[str, ...] = tuple(municipalities)
        self.requests: list[RecordedRequest] = []
        self._kpis: dict[str, KoladaKpi] = {}
        for kpi in kpis:
            self.add_kpi(kpi)

    # ------------------------------------------------------------------ configuration

    def add_kpi(self, kpi: KoladaKpi) -> None:
        """Serve ``kpi`` (replacing a KPI with the same id)."""
        with self._lock:
            self._kpis[kpi.id] = kpi

    # ------------------------------------------------------------------ inspection

    def data_requests(self) -> list[RecordedRequest]:
        """Recorded requests to a ``/v3/data/...`` endpoint."""
        prefix = f"{API_PREFIX}/data/"
        with self._lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    # ------------------------------------------------------------------ request handling

    @staticmethod
    def _discard_body(handler: RequestHandler) -> None:
        """Read (and drop) a request body so that a kept-alive connection stays in step."""
        if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
            handler.close_connection = True
            return
        try:
            length = int(handler.headers.get("Content-Length", "0"))
        except ValueError:
            length = 0
        if length > 0:
            handler.rfile.read(length)

    def _serve(self, handler: RequestHandler) -> None:
        arrived = time.monotonic()
        split = urlsplit(handler.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        self._discard_body(handler)
        record = RecordedRequest(
            t=arrived, method=handler.command, path=path, query=query, status=0
        )

        fault = self._take_fault(path)
        if fault is not None and fault.kind == "close":
            self._record(record)
            handler.close_connection = True
            return

        if fault is not None and fault.kind == "status":
            response = _error(fault.status, f"Injected fault: HTTP {fault.status}", fault.headers)
        else:
            if fault is not None and fault.kind == "delay":
                self._stopping.wait(fault.delay)
            try:
                response = self._route(handler.command, path, split.path, query)
            except _HttpError as exc:
                response = _error(exc.status, exc.detail, exc.headers)
            except Exception as exc:  # a broken value callable in a test fixture
                response = _error(500, f"Internal error: {exc!r}")

        record.status = response.status
        self._record(record)
        self._send(handler, response, truncate=fault is not None and fault.kind == "truncate")

    def _send(
        self, handler: RequestHandler, response: _Response, *, truncate: bool = False
    ) -> None:
        self._send_json(
            handler,
            response.status,
            response.payload,
            JSON_TYPE,
            response.headers,
            truncate=truncate,
        )

    # ------------------------------------------------------------------ routing

    def _route(
        self, method: str, path: str, raw_path: str, query: dict[str, list[str]]
    ) -> _Response:
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            raise _HttpError(404, "Not Found")
        rest = path[len(API_PREFIX) :].strip("/")
        parts = rest.split("/") if rest else []

        if parts and parts[0] == "kpi" and len(parts) <= 2:
            self._require(method, "GET")
            if len(parts) == 1:
                items = self._kpi_list((query.get("title") or [""])[-1])
            else:
                items = self._kpi_items(self._ids(parts[1], "kpi"))
            return _Response(200, self._page(items, raw_path, query))
        if parts and parts[0] == "data":
            self._require(method, "GET")
            selection = self._data_selection(parts[1:])
            items = self._data_items(selection)
            return _Response(200, self._page(items, raw_path, query))
        raise _HttpError(404, "Not Found")

    @staticmethod
    def _require(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise _HttpError(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)})

    @staticmethod
    def _ids(segment: str, name: str) -> list[str]:
        """Split a comma-separated path segment, enforcing the per-segment limit."""
        ids = [part.strip() for part in segment.split(",") if part.strip()]
        if not ids:
            raise _HttpError(422, f"Path segment '{name}' is empty; give at least one id")
        if len(ids) > MAX_IDS_PER_SEGMENT:
            raise _HttpError(
                422,
                f"Too many ids in path segment '{name}': {len(ids)} given, "
                f"at most {MAX_IDS_PER_SEGMENT} are allowed",
            )
        return list(dict.fromkeys(ids))

    def _data_selection(self, parts: list[str]) -> dict[str, list[str]]:
        if len(parts) % 2 != 0:
            raise _HttpError(404, "Not Found")
        names = tuple(parts[0::2])
        if names not in _DATA_FORMS:
            raise _HttpError(404, "Not Found")
        selection = {
            name: self._ids(segment, name) for name, segment in zip(names, parts[1::2], strict=True)
        }
        for year in selection.get("year", []):
            if not year.isdigit():
                raise _HttpError(422, f"Path segment 'year' must hold whole years; got '{year}'")
        return selection

    # ------------------------------------------------------------------ documents

    def _page(
        self, items: list[dict[str, Any]], raw_path: str, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        page = self._positive(query, "page", 1)
        per_page = min(self._positive(query, "per_page", self.per_page), self.per_page)
        start = (page - 1) * per_page
        chunk = items[start : start + per_page]
        next_url: str | None = None
        if start + per_page < len(items):
            next_query = {k: v for k, v in query.items() if k not in ("page", "per_page")}
            next_query["page"] = [str(page + 1)]
            next_query["per_page"] = [str(per_page)]
            next_url = f"{self._origin}{raw_path}?{urlencode(next_query, doseq=True)}"
        return {"count": len(chunk), "values": chunk, "next_url": next_url}

    @staticmethod
    def _positive(query: dict[str, list[str]], name: str, default: int) -> int:
        raw = (query.get(name) or [None])[-1]
        if raw is None:
            return default
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise _HttpError(
                422, f"Query parameter '{name}' must be a positive integer; got '{raw}'"
            )
        return number

    @staticmethod
    def _kpi_document(kpi: KoladaKpi) -> dict[str, Any]:
        return {
            "id": kpi.id,
            "title": kpi.title,
            "description": kpi.description,
            "is_divided_by_gender": kpi.is_divided_by_gender,
            "municipality_type": kpi.municipality_type,
            "operating_area": kpi.operating_area,
            "has_ou_data": kpi.has_ou_data,
            "publication_date": kpi.publication_date,
            "prel_publication_date": kpi.prel_publication_date,
        }

    def _kpi_list(self, title: str) -> list[dict[str, Any]]:
        with self._lock:
            kpis = sorted(self._kpis.values(), key=lambda k: k.id)
        needle = title.casefold()
        return [self._kpi_document(k) for k in kpis if needle in k.title.casefold()]

    def _kpi_items(self, ids: list[str]) -> list[dict[str, Any]]:
        with self._lock:
            found = [self._kpis[i] for i in ids if i in self._kpis]
        return [self._kpi_document(k) for k in found]

    def _data_items(self, selection: dict[str, list[str]]) -> list[dict[str, Any]]:
        with self._lock:
            all_kpis = dict(self._kpis)
        kpi_ids = selection.get("kpi", sorted(all_kpis))
        municipalities = [
            m
            for m in selection.get("municipality", self.municipalities)
            if m in self.municipalities
        ]
        wanted_years = {int(y) for y in selection["year"]} if "year" in selection else None

        items: list[dict[str, Any]] = []
        for kpi_id in sorted(kpi_ids):
            kpi = all_kpis.get(kpi_id)
            if kpi is None:
                continue
            years = sorted(set(kpi.years))
            if wanted_years is not None:
                years = [y for y in years if y in wanted_years]
            genders = GENDERS_DIVIDED if kpi.is_divided_by_gender else GENDERS_TOTAL
            for municipality in sorted(municipalities):
                for year in years:
                    items.append(
                        {
                            "kpi": kpi.id,
                            "municipality": municipality,
                            "period": year,
                            "values": [
                                self._value_row(kpi, municipality, year, g) for g in genders
                            ],
                        }
                    )
        return items

    @staticmethod
    def _value_row(kpi: KoladaKpi, municipality: str, year: int, gender: str) -> dict[str, Any]:
        value = json_number(kpi.value(municipality, year, gender))
        if value is None:
            return {"gender": gender, "value": None, "count": 0, "status": MISSING_STATUS}
        return {"gender": gender, "value": value, "count": 1, "status": ""}
