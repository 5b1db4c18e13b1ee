"""Dagster assets, one module per layer: raw (sources), models (staging and marts from sql/), publish."""
