"""Every setting the pipeline reads from the environment, in one place.

| variable | default | meaning |
|---|---|---|
| `SEGREGATION_SOURCE` | `snapshot` | `snapshot` reads the committed responses in `data/raw/`; `live` fetches from SCB first |
| `SCB_API_URL` | `https://statistikdatabasen.scb.se/api/v2` | PxWebApi 2.0 base URL |
| `SCB_LANG` | `sv` | language of labels in SCB responses |
| `KOLADA_API_URL` | `https://api.kolada.se/v3` | Kolada v3 base URL |
| `SEGREGATION_RAW_DIR` | `<project>/data/raw` | raw layer: snapshot, manifests, kommun files |
| `SEGREGATION_MARTS_DIR` | `<project>/data/marts` | DuckDB file, Parquet exports and the report |
| `SEGREGATION_HTTP_TIMEOUT` | `60` | seconds before one HTTP call is abandoned (and retried) |
| `SEGREGATION_MAX_RETRIES` | `4` | retries of one call after 429, 5xx, timeouts and broken connections |
| `SEGREGATION_RETRY_BUDGET` | `30` | seconds one call may spend waiting between retries in all; once a source has given up, the rest of the run does not ask it again |
| `SEGREGATION_NIGHTLY_RETRY_BUDGET` | `600` | the same for runs started by the nightly schedule: patience for passing outages, still once per source |
| `SEGREGATION_KOLADA_MAX_AGE_DAYS` | `7` | live mode fetches Kolada in full when the stored fetch is this old, even if no KPI has a new publication date |
| `SEGREGATION_COMPARISON_K` | `10` | how many comparison areas (RegSO elsewhere) each focus area with a plan gets, unless `comparison_k` in `areas/plans.csv` says otherwise |
| `SCB_GEODATA_URL` | `https://geodata.scb.se/geoserver/stat/wfs` | SCB's open map service (WFS): DeSO boundaries, fetched in live mode for kommuner without any |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCB_API_URL = "https://statistikdatabasen.scb.se/api/v2"
DEFAULT_SCB_GEODATA_URL = "https://geodata.scb.se/geoserver/stat/wfs"
SOURCES = ("snapshot", "live")


class SettingsError(ValueError):
    """A setting in the environment has a value the pipeline cannot use."""


@dataclass(frozen=True)
class Settings:
    source: str
    scb_api_url: str
    scb_lang: str
    kolada_api_url: str
    raw_dir: Path
    marts_dir: Path
    http_timeout: float
    max_retries: int
    retry_budget: float
    kolada_max_age_days: float = 7.0
    nightly_retry_budget: float = 600.0
    scb_geodata_url: str = DEFAULT_SCB_GEODATA_URL
    comparison_k: int = 10

    @property
    def live(self) -> bool:
        return self.source == "live"

    @property
    def database_path(self) -> Path:
        return self.marts_dir / "segregation.duckdb"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        source = env.get("SEGREGATION_SOURCE", "snapshot").strip().lower()
        if source not in SOURCES:
            raise SettingsError(
                f"SEGREGATION_SOURCE={source!r} is not allowed: use 'snapshot' (default, the "
                "committed data in data/raw) or 'live' (fetch from SCB first)."
            )
        return cls(
            source=source,
            scb_api_url=env.get("SCB_API_URL", DEFAULT_SCB_API_URL).rstrip("/"),
            scb_lang=env.get("SCB_LANG", "sv"),
            kolada_api_url=env.get("KOLADA_API_URL", "https://api.kolada.se/v3").rstrip("/"),
            raw_dir=Path(env.get("SEGREGATION_RAW_DIR", PROJECT_ROOT / "data" / "raw")),
            marts_dir=Path(env.get("SEGREGATION_MARTS_DIR", PROJECT_ROOT / "data" / "marts")),
            http_timeout=_number(env, "SEGREGATION_HTTP_TIMEOUT", 60.0),
            max_retries=int(_number(env, "SEGREGATION_MAX_RETRIES", 4)),
            retry_budget=_number(env, "SEGREGATION_RETRY_BUDGET", 30.0),
            kolada_max_age_days=_number(env, "SEGREGATION_KOLADA_MAX_AGE_DAYS", 7.0),
            nightly_retry_budget=_number(env, "SEGREGATION_NIGHTLY_RETRY_BUDGET", 600.0),
            scb_geodata_url=env.get("SCB_GEODATA_URL", DEFAULT_SCB_GEODATA_URL).rstrip("/"),
            comparison_k=_comparison_k(env),
        )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number.") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must not be negative.")
    return value


def _comparison_k(env: Mapping[str, str]) -> int:
    value = _number(env, "SEGREGATION_COMPARISON_K", 10)
    if value != int(value) or not 1 <= value <= 100:
        raise SettingsError(
            f"SEGREGATION_COMPARISON_K={env.get('SEGREGATION_COMPARISON_K')!r} must be a whole "
            "number from 1 to 100 (comparison areas per focus area)."
        )
    return int(value)
