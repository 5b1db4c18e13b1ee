"""What the kommun configures: the catalog of tables and indicators, the kommuner followed, focus areas and plans. Imports only pipelines.core."""
