"""The committee report's partitions: one per followed kommun (kommuner.csv ∩ kommuner
with focus areas), as Dagster dynamic partitions named `kommun`.

They are kept in step with the analyst's files by every publish, by the sensor that
renders the reports after a refresh and by `segregation run`: a kommun that is followed
gets its key; a kommun no longer followed (gone from kommuner.csv, or without focus areas)
loses its key. Its run history stays in Dagster's event log and its last report file stays
in the marts folder; following it again brings the key back.
"""

from __future__ import annotations

from collections.abc import Sequence

from dagster import DagsterInstance, DynamicPartitionsDefinition

KOMMUN = "kommun"
KOMMUN_PARTITIONS = DynamicPartitionsDefinition(name=KOMMUN)


def sync_kommun_partitions(
    instance: DagsterInstance, codes: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Make the `kommun` partitions exactly `codes`; returns the keys added and removed."""
    existing = set(instance.get_dynamic_partitions(KOMMUN))
    added = [code for code in dict.fromkeys(codes) if code not in existing]
    removed = sorted(existing - set(codes))
    if added:
        instance.add_dynamic_partitions(KOMMUN, added)
    for key in removed:
        instance.delete_dynamic_partition(KOMMUN, key)
    return added, removed
