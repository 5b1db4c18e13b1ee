"""Dagster resources. Built per run: nothing here reads the environment at import time."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from pipelines.core.settings import Settings
from pipelines.registry.catalog import Catalog, load_catalog
from pipelines.registry.kommuner import Kommun, followed_kommuner, load_kommuner
from pipelines.sources.kolada.client import KoladaClient
from pipelines.sources.raw_store import RawStore
from pipelines.sources.scb.client import PxWebClient
from pipelines.warehouse.database import Warehouse


class PipelineResource(ConfigurableResource):
    """Where data comes from and where it goes.

    Every field left empty falls back to the environment (see `pipelines/core/settings.py`):
    `SEGREGATION_SOURCE`, `SCB_API_URL`, `KOLADA_API_URL`, `SEGREGATION_RAW_DIR`,
    `SEGREGATION_MARTS_DIR`; the other settings always come from the environment.
    """

    source: str | None = None
    scb_api_url: str | None = None
    kolada_api_url: str | None = None
    raw_dir: str | None = None
    marts_dir: str | None = None
    backoff_base: float = 1.0
    # seconds a call may wait between retries in all (the nightly schedule sets a longer one)
    retry_budget: float | None = None
    _client: PxWebClient | None = PrivateAttr(default=None)
    _kolada: KoladaClient | None = PrivateAttr(default=None)
    _held: contextlib.ExitStack | None = PrivateAttr(default=None)
    _holding: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._client = None  # a new client (and /config read) for every run
        self._kolada = None
        # one open working database for the whole run (see Warehouse.held_open), opened by
        # the first step that uses it: a report run reads only published files and leaves
        # the working database to the run that writes it
        self._held = contextlib.ExitStack()
        self._holding = False

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
            self._holding = False

    def settings(self) -> Settings:
        base = Settings.from_env()
        overrides = {
            "source": self.source,
            "scb_api_url": self.scb_api_url,
            "raw_dir": self.raw_dir,
            "marts_dir": self.marts_dir,
        }
        env = {
            "SEGREGATION_SOURCE": overrides["source"] or base.source,
            "SCB_API_URL": overrides["scb_api_url"] or base.scb_api_url,
            "KOLADA_API_URL": self.kolada_api_url or base.kolada_api_url,
            "SEGREGATION_RAW_DIR": str(overrides["raw_dir"] or base.raw_dir),
            "SEGREGATION_MARTS_DIR": str(overrides["marts_dir"] or base.marts_dir),
        }
        resolved = Settings.from_env(env)
        return dataclasses.replace(
            resolved,
            scb_lang=base.scb_lang,
            http_timeout=base.http_timeout,
            max_retries=base.max_retries,
            retry_budget=self.retry_budget if self.retry_budget is not None else base.retry_budget,
            kolada_max_age_days=base.kolada_max_age_days,
            nightly_retry_budget=base.nightly_retry_budget,
            scb_geodata_url=base.scb_geodata_url,
        )

    def scb_client(self, progress: Callable[[str], None] | None = None) -> PxWebClient:
        """The run's SCB client, shared by every asset of the run so that `/config` is read
        once and one rate limiter counts all calls."""
        if self._client is not None:
            if progress is not None:
                self._client.progress = progress
            return self._client
        s = self.settings()
        self._client = PxWebClient(
            s.scb_api_url,
            lang=s.scb_lang,
            timeout=s.http_timeout,
            max_retries=s.max_retries,
            retry_budget=s.retry_budget,
            backoff_base=self.backoff_base,
            progress=progress,
        )
        return self._client

    def kolada_client(self, progress: Callable[[str], None] | None = None) -> KoladaClient:
        """The run's Kolada client, shared by the pre-flight check and the fetch."""
        if self._kolada is not None:
            if progress is not None:
                self._kolada.progress = progress
            return self._kolada
        s = self.settings()
        self._kolada = KoladaClient(
            s.kolada_api_url,
            timeout=s.http_timeout,
            max_retries=s.max_retries,
            retry_budget=s.retry_budget,
            backoff_base=self.backoff_base,
            progress=progress,
        )
        return self._kolada

    def store(self) -> RawStore:
        return RawStore(self.settings().raw_dir)

    def warehouse(self) -> Warehouse:
        warehouse = Warehouse(self.settings().marts_dir)
        if self._held is not None and not self._holding:
            self._holding = True
            self._held.enter_context(warehouse.held_open())
        return warehouse

    def catalog(self) -> Catalog:
        return load_catalog(self.settings().raw_dir)

    def kommuner(self) -> list[Kommun]:
        """Every kommun loaded (kommuner.csv expanded): marts and checks cover them all."""
        return load_kommuner(self.settings().raw_dir)

    def followed_kommuner(self) -> list[Kommun]:
        """The kommuner loaded that have focus areas: they get a report and a map."""
        return followed_kommuner(self.settings().raw_dir, self.kommuner())
