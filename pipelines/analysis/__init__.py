"""Computation on the warehouse: indicators, segregation indices, områdestyp, comparison areas and before/after. Imports core, registry and warehouse."""
