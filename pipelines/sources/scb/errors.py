"""Errors raised when talking to a PxWebApi 2.0 server. Each names the table, URL and selection."""

from __future__ import annotations

import json
from collections.abc import Mapping


class ScbError(RuntimeError):
    """Base class: something went wrong fetching or reading SCB data."""


class ScbRequestError(ScbError):
    """The server refused a request (4xx), or kept failing until the retry budget ran out."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None = None,
        table_id: str | None = None,
        selection: Mapping[str, object] | None = None,
        detail: str | None = None,
    ) -> None:
        self.url = url
        self.status = status
        self.table_id = table_id
        self.selection = dict(selection) if selection else None
        self.detail = detail
        parts = [message]
        if table_id:
            parts.append(f"tabell: {table_id}")
        parts.append(f"url: {url}")
        if status is not None:
            parts.append(f"HTTP-status: {status}")
        if detail:
            parts.append(f"SCB svarade: {detail}")
        if selection:
            parts.append(f"urval: {_short_selection(selection)}")
        super().__init__("\n  ".join(parts))


class ScbResponseError(ScbError):
    """A response could not be read, or does not match the table's metadata."""


def _short_selection(selection: Mapping[str, object], limit: int = 400) -> str:
    text = json.dumps(selection, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"
