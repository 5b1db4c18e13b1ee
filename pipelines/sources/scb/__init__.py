"""PxWebApi 2.0 client for SCB's Statistikdatabasen: HTTP, rate limit, chunking, json-stat2."""

from pipelines.sources.scb.client import ApiLimits, DataPart, PxWebClient
from pipelines.sources.scb.errors import ScbError, ScbRequestError, ScbResponseError
from pipelines.sources.scb.jsonstat import Dimension, ParsedTable, parse_jsonstat2

__all__ = [
    "ApiLimits",
    "DataPart",
    "Dimension",
    "ParsedTable",
    "PxWebClient",
    "ScbError",
    "ScbRequestError",
    "ScbResponseError",
    "parse_jsonstat2",
]
