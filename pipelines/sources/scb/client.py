"""HTTP client for PxWebApi 2.0 (SCB's Statistikdatabasen) on `requests`.

- Reads `/config` once per client (one client per run) and obeys its limits:
  `maxCallsPerTimeWindow` per `timeWindow` for every call, and `maxDataCells` per data
  call, splitting larger selections into the fewest calls (see `selection.py`).
- Retries 429 (honouring `Retry-After`), 5xx, broken connections, timeouts and
  truncated bodies with exponential backoff, bounded in count and in total waiting time
  (`pipelines/sources/http.py`, shared with the other source clients).
- 400/403/404 raise :class:`ScbRequestError` quoting the server's problem message, the
  table id and the selection.
- `search_tables` asks `/tables?query=…` (following the `next` page links a few pages),
  e.g. with the last element of a table's v1 path to find the table's current id.
- Keeps every data response's bytes verbatim (:class:`DataPart`) so the raw layer can
  store exactly what the server sent; parsing is done by `jsonstat.py`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import requests

from pipelines.sources.http import CallStats, JsonHttp, RateLimiter, problem_detail
from pipelines.sources.scb.errors import ScbRequestError, ScbResponseError
from pipelines.sources.scb.jsonstat import TableMetadata, parse_metadata
from pipelines.sources.scb.selection import Selection, cell_count, plan_calls, resolve_selection

log = logging.getLogger(__name__)


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
            raise ScbResponseError(f"/config saknar en användbar gräns: {exc}") from None


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
        # Until /config is known, be as careful as SCB's published limit.
        self.http = JsonHttp(
            timeout=timeout,
            max_retries=max_retries,
            retry_budget=retry_budget,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            limiter=RateLimiter(1, 1.0),
            session=session,
        )
        self.progress = progress or (lambda message: log.info(message))
        self._limits: ApiLimits | None = None
        self._metadata: dict[str, tuple[bytes, TableMetadata]] = {}
        self._table_info: dict[str, bytes] = {}

    @property
    def stats(self) -> CallStats:
        return self.http.stats

    # -- endpoints ---------------------------------------------------------------------

    @property
    def limits(self) -> ApiLimits:
        """The server's limits from `/config`, read once per client."""
        return self._ensure_limits(None)

    def _ensure_limits(self, table_id: str | None) -> ApiLimits:
        if self._limits is None:
            doc = json.loads(self._get("config", "/config", table_id=table_id))
            self._limits = ApiLimits.from_config(doc)
            limiter = RateLimiter(self._limits.max_calls, self._limits.time_window)
            limiter.adopt(self.http.limiter)
            self.http.limiter = limiter
            log.debug("PxWebApi limits: %s", self._limits)
        return self._limits

    def table_info(self, table_id: str) -> dict:
        """`/tables/{id}`: label, `updated`, periods. Cheap: use it to see whether data changed."""
        return json.loads(self.table_info_bytes(table_id))

    def search_tables(self, query: str, *, page_size: int = 100, max_pages: int = 5) -> list[dict]:
        """`/tables?query=…`: the tables the server finds for `query`, as it lists them.

        SCB searches ids, labels and the tables' places in the old v1 tree (`paths`), so the
        last element of a v1 path (e.g. `AM0211A`) finds the tables under it. Follows the
        `next` link in `page.links` for at most `max_pages` pages; each table once.
        """
        params: dict[str, str] = {"query": query, "pageSize": str(page_size)}
        found: dict[str, dict] = {}
        asked: set[tuple[tuple[str, str], ...]] = set()
        for _ in range(max_pages):
            asked.add(tuple(sorted(params.items())))
            doc = json.loads(self._get("tables", "/tables", params=params))
            for table in doc.get("tables") or []:
                found.setdefault(str(table.get("id")), table)
            links = (doc.get("page") or {}).get("links") or []
            href = next((link.get("href") for link in links if link.get("rel") == "next"), None)
            if not href:
                break
            params = _next_page_params(params, href)
            if tuple(sorted(params.items())) in asked:
                break
        else:
            log.info("/tables?query=%s: slutade efter %d sidor", query, max_pages)
        return list(found.values())

    def table_info_bytes(self, table_id: str) -> bytes:
        """`/tables/{id}` byte for byte, asked once per client (one client per run: the
        pre-flight check and the fetch share the answer)."""
        if table_id not in self._table_info:
            self._table_info[table_id] = self._get(
                "table", f"/tables/{table_id}", table_id=table_id
            )
        return self._table_info[table_id]

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
        return plan_calls(resolved, self.limits.max_data_cells)

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

    def _get(
        self,
        kind: str,
        path: str,
        *,
        table_id: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> bytes:
        """GET a JSON document; the body is checked to be complete JSON (else retried)."""
        return self._request(kind, "GET", path, table_id=table_id, params=params).content

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
        if kind != "config":
            self._ensure_limits(table_id)  # /config first: the rate limit applies to every call

        def refuse(response: requests.Response) -> ScbRequestError:
            return ScbRequestError(
                _refusal(response.status_code),
                url=response.url,
                status=response.status_code,
                table_id=table_id,
                selection=selection,
                detail=problem_detail(response),
            )

        def give_up(message: str) -> ScbRequestError:
            return ScbRequestError(message, url=url, table_id=table_id, selection=selection)

        return self.http.request(
            kind,
            method,
            url,
            refuse=refuse,
            give_up=give_up,
            params={"lang": self.lang, **(params or {})},
            json_body=json_body,
        )


def _next_page_params(params: Mapping[str, str], href: str) -> dict[str, str]:
    """The query of a `next` link laid over `params`; names match case-insensitively.

    SCB writes `pagesize=` in its links; `lang` stays the client's own.
    """
    merged = dict(params)
    spelled = {name.lower(): name for name in merged}
    for name, value in parse_qsl(urlsplit(href).query, keep_blank_values=True):
        if name.lower() == "lang":
            continue
        merged[spelled.setdefault(name.lower(), name)] = value
    return merged


def _refusal(status: int) -> str:
    return {
        400: "SCB avvisade frågan (400 Bad Request): jämför tabell-id och urval i"
        " data/raw/catalog.toml med tabellens metadata.",
        403: "SCB nekade frågan (403): oftast begär urvalet fler celler än maxDataCells;"
        " minska urvalet i data/raw/catalog.toml.",
        404: "SCB känner inte till tabellen (404): SCB kan ha bytt namn på eller reviderat den;"
        " uppdatera tabell-id i data/raw/catalog.toml.",
    }.get(status, f"SCB nekade frågan ({status}).")
