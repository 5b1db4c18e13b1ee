"""The DuckDB warehouse: connections and atomic table writes, the SQL models, the Excel-ready copies. Imports only pipelines.core."""
