"""Kolada v3 (https://api.kolada.se/v3): KPI descriptions and data, paged, with retries.

- Data are asked for by path: `/data/kpi/{ids}/municipality/{ids}/year/{years}`, with at
  most 25 ids in any one segment; longer lists are split into several requests.
- Every page's `next_url` is followed until it is null.
- Retries, backoff and errors come from `pipelines/sources/http.py`, as for SCB. A refused request
  raises :class:`KoladaError` quoting the server's message, the KPI ids and the URL.
- KPI descriptions come from `/kpi/{ids}`, 25 ids a call; their `publication_date` tells
  whether a KPI has new figures (see `pipelines/sources/kolada/snapshot.py`).
- Page bodies are kept verbatim for the raw layer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import requests

from pipelines.sources.http import CallStats, JsonHttp, RateLimiter, problem_detail

log = logging.getLogger(__name__)
MAX_IDS_PER_SEGMENT = 25
DEFAULT_KOLADA_API_URL = "https://api.kolada.se/v3"


class KoladaError(RuntimeError):
    """Kolada refused a request, or kept failing until the retry budget ran out."""

    def __init__(
        self, message: str, *, url: str, status: int | None = None, detail: str | None = None
    ) -> None:
        self.url, self.status, self.detail = url, status, detail
        parts = [message, f"url: {url}"]
        if status is not None:
            parts.append(f"HTTP-status: {status}")
        if detail:
            parts.append(f"Kolada svarade: {detail}")
        super().__init__("\n  ".join(parts))


@dataclass(frozen=True)
class KoladaPage:
    url: str
    content: bytes
    fetched_at: str


def batches(ids: Sequence[str], size: int = MAX_IDS_PER_SEGMENT) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


class KoladaClient:
    def __init__(
        self,
        base_url: str = DEFAULT_KOLADA_API_URL,
        *,
        timeout: float = 60.0,
        max_retries: int = 6,
        retry_budget: float = 300.0,
        backoff_base: float = 1.0,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Kolada publishes no call limit; keep to a polite 5 calls a second.
        self.http = JsonHttp(
            timeout=timeout,
            max_retries=max_retries,
            retry_budget=retry_budget,
            backoff_base=backoff_base,
            limiter=RateLimiter(5, 1.0),
        )
        self.progress = progress or (lambda message: log.info(message))
        self._described: dict[tuple[str, ...], tuple[dict[str, dict], list[KoladaPage]]] = {}

    @property
    def stats(self) -> CallStats:
        return self.http.stats

    def _get(self, kind: str, url: str, what: str) -> requests.Response:
        def refuse(response: requests.Response) -> KoladaError:
            return KoladaError(
                f"Kolada nekade frågan om {what} ({response.status_code}): kontrollera id:t i "
                "data/raw/catalog.toml och KOLADA_BASE_URL.",
                url=response.url,
                status=response.status_code,
                detail=problem_detail(response),
            )

        def give_up(message: str) -> KoladaError:
            return KoladaError(f"{what}: {message}", url=url)

        return self.http.request(kind, "GET", url, refuse=refuse, give_up=give_up)

    def kpis(
        self, kpi_ids: Sequence[str], *, strict: bool = True
    ) -> tuple[dict[str, dict], list[KoladaPage]]:
        """Each KPI's description from `/kpi/{ids}` (25 ids a call), and the pages as sent.

        An id Kolada does not know is an error naming it (with `strict=False` it is left out
        of the answer, for the caller to report). Asked once per client and set of ids (one
        client per run: the pre-flight check and the fetch share the answer).
        """
        key = tuple(kpi_ids)
        if key not in self._described:
            self._described[key] = self._ask_kpis(kpi_ids)
        described, pages = self._described[key]
        unknown = [k for k in kpi_ids if k not in described]
        if unknown and strict:
            raise KoladaError(
                f"Kolada har inget nyckeltal {', '.join(unknown)}: kontrollera id:t i data/raw/catalog.toml.",
                url=f"{self.base_url}/kpi/{','.join(unknown)}",
            )
        return dict(described), list(pages)

    def _ask_kpis(self, kpi_ids: Sequence[str]) -> tuple[dict[str, dict], list[KoladaPage]]:
        described: dict[str, dict] = {}
        pages: list[KoladaPage] = []
        for batch in batches(list(kpi_ids)):
            what = f"KPI {','.join(batch)}"
            response = self._get("kpi", f"{self.base_url}/kpi/{','.join(batch)}", what)
            try:
                values = json.loads(response.content).get("values") or []
                described.update({str(v["id"]): v for v in values})
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise KoladaError(
                    f"{what}: inget nyckeltalssvar från Kolada ({exc}); försök igen senare.",
                    url=response.url,
                ) from None
            pages.append(
                KoladaPage(
                    response.url, response.content, datetime.now(UTC).isoformat(timespec="seconds")
                )
            )
        return described, pages

    def data_pages(
        self, kpis: Sequence[str], municipalities: Sequence[str], years: Sequence[int]
    ) -> list[KoladaPage]:
        """Every page of data for these KPIs, kommuner and years."""
        pages: list[KoladaPage] = []
        for kpi_batch in batches(kpis):
            for muni_batch in batches(municipalities):
                for year_batch in batches([str(y) for y in years]):
                    url = (
                        f"{self.base_url}/data/kpi/{','.join(kpi_batch)}"
                        f"/municipality/{','.join(muni_batch)}/year/{','.join(year_batch)}"
                    )
                    what = f"KPI {','.join(kpi_batch)}"
                    while url:
                        self.progress(f"Kolada: hämtar {what}, sida {len(pages) + 1}")
                        response = self._get("data", url, what)
                        pages.append(
                            KoladaPage(
                                response.url,
                                response.content,
                                datetime.now(UTC).isoformat(timespec="seconds"),
                            )
                        )
                        url = json.loads(response.content).get("next_url")
        return pages


def parse_pages(contents: Sequence[bytes], context: str = "Kolada") -> list[dict]:
    """Rows of kpi, municipality, year, gender, value, status from data pages."""
    rows = []
    for i, content in enumerate(contents, start=1):
        try:
            doc = json.loads(content)
            items = doc["values"]
        except (ValueError, KeyError, TypeError) as exc:
            raise KoladaError(
                f"{context}: sida {i} är inget datasvar från Kolada ({exc}); försök igen senare.",
                url=context,
            ) from None
        for item in items:
            for v in item.get("values") or []:
                rows.append(
                    {
                        "kpi": str(item["kpi"]),
                        "municipality": str(item["municipality"]),
                        "year": int(item["period"]),
                        "gender": str(v.get("gender", "T")),
                        "value": None if v.get("value") is None else float(v["value"]),
                        "status": v.get("status") or None,
                    }
                )
    return rows
