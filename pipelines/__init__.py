"""Segregation indicator pipeline: SCB and kommun data into DuckDB marts, orchestrated by Dagster."""
