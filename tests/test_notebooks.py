"""Notebooks run top to bottom on the snapshot's published marts, for more than one area."""

from __future__ import annotations

import os

import nbformat
import pytest
from conftest import PROJECT
from nbclient import NotebookClient

NOTEBOOK = PROJECT / "notebooks" / "fokusomraden.ipynb"


def test_committed_notebooks_carry_no_outputs():
    for path in (PROJECT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path


# run from its own folder, and from elsewhere (the project root, a temporary folder): the
# notebook finds the project from the pipelines package, not from the working directory
@pytest.mark.e2e
@pytest.mark.parametrize(
    ("kommun", "area", "where"),
    [("0123", "soderhojden", "notebooks"), ("0680", "raslatt", "elsewhere")],
)
def test_notebook_runs_for_a_kommun_and_area(
    raw_dir, published_marts, monkeypatch, tmp_path, kommun, area, where
):
    marts_dir = published_marts
    # the working database is moved away: the notebook must read only the published Parquet
    (marts_dir / ".work").rename(marts_dir.parent / "work-elsewhere")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = f'KOMMUN = "{kommun}"\nAREA = "{area}"\nSEX = "1+2"'
    params.source += '\nMAP_INDICATOR = "utlandsk_bakgrund"'
    params.source += '\nNAMND = "Barn- och ungdomsnämnden"'
    monkeypatch.setenv("SEGREGATION_MARTS_DIR", str(marts_dir))
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={
            "metadata": {"path": str(NOTEBOOK.parent if where == "notebooks" else tmp_path)}
        },
    ).execute()
    text = "\n".join(
        o.get("text", "")
        if o.get("output_type") == "stream"
        else str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    # one chart per indicator with data for the area: 7 from SCB, plus any from the kommun's files
    local = len(
        {
            line.split(",")[3]
            for path in (raw_dir / "local").glob("*.csv")
            for line in path.read_text().splitlines()[1:]
            if line.startswith(f"{kommun},{area},")
        }
    )
    assert f"{7 + local} diagram" in text
    # the kommun is named as in the report: its name from kommuner.csv, then its code
    name = {"0123": "Järfälla", "0680": "Jönköping"}[kommun]
    assert f" i {name} ({kommun}): " in text
    assert f"{kommun} ({kommun})" not in text
    assert "DEMODATA" in text
    html_outputs = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    assert len(html_outputs) >= 8  # the background chart and one per indicator
    # the map: one filled shape per DeSO of the kommun's boundary file, coloured by the indicator
    maps = [
        o["data"]["application/vnd.plotly.v1+json"]
        for o in html_outputs
        if "Andel med utländsk bakgrund per DeSO"
        in o["data"]["application/vnd.plotly.v1+json"]["layout"]["title"]["text"]
    ]
    assert maps, "no map in the notebook's outputs"
    deso_count = {"0123": 44, "0680": 78}[kommun]  # SCB's DeSO 2025 key
    assert sum(t.get("fill") == "toself" for t in maps[0]["data"]) == deso_count
    assert os.environ["SEGREGATION_MARTS_DIR"] == str(marts_dir)
    # one nämnd's measures: Järfälla's example registry gives Barn- och ungdomsnämnden
    # jfl-bu-01 (measures.csv); Jönköping keeps no measures, and the cell says so
    if kommun == "0123":
        assert "jfl-bu-01" in text and "genomförd" in text
    else:
        assert "Barn- och ungdomsnämnden har inga åtgärder i Jönköpings register" in text
