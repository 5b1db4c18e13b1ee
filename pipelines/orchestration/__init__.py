"""The Dagster layer: assets, asset checks, resources and schedules. Imports every layer below it; nothing below imports it."""
