"""The builder of the offline demo snapshot in `data/raw/` (run: `python -m pipelines.demo`).

Nothing here is imported by a pipeline run: runs read the snapshot through the same code as
live mode. The snapshot has the exact shape of PxWebApi 2.0 and Kolada v3 responses; what
is real and what is invented is said in every response (`PUBLICERAT` / `DEMODATA` in
json-stat2 `note`, `"demo": true` in the Kolada manifest) and in `data/raw/README.md`.
"""
