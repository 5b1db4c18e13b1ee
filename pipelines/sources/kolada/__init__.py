"""Kolada v3 client: kommun-level KPI series (valdeltagande, ohälsotal, skolresultat, brott)."""
