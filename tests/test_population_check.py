"""The kommun's population and share with utländsk bakgrund agree across tables."""

from __future__ import annotations

import pandas as pd
import pytest
from test_pipeline import run_everything

from pipelines.orchestration.checks import population_differences
from pipelines.warehouse.database import Warehouse


def hand_made(tmp_path) -> Warehouse:
    """Two DeSO of 0123; the kommun table agrees in 2020, is 10 persons short in 2021, is
    within CKM noise in 2025, and 2022 has a suppressed DeSO cell."""
    warehouse = Warehouse(tmp_path / "marts")
    deso = {  # year: [(deso, people, utländsk bakgrund)]
        2020: [("0123A0010", 1000, 300), ("0123C1010", 2000, 500)],
        2021: [("0123A0010", 1000, 300), ("0123C1010", 2010, 500)],
        2022: [("0123A0010", None, None), ("0123C1010", 9999, 500)],
        2025: [("0123A0010", 1000, 400), ("0123C1010", 2020, 500)],
    }
    rows = []
    for year, cells in deso.items():
        for region, people, foreign in cells:
            rows.append(("befolkning", "0123", region, "deso", year, "1+2", people, None))
            rows.append(("utlandsk_bakgrund", "0123", region, "deso", year, "1+2", foreign, people))
            # the other sexes and the kommun row are not part of the comparison
            rows.append(("befolkning", "0123", region, "deso", year, "1", 1, None))
        rows.append(("befolkning", "0123", "0123", "kommun", year, "1+2", 1, None))
    staging = pd.DataFrame(
        rows,
        columns=[
            "indicator",
            "kommun",
            "region",
            "region_level",
            "year",
            "sex",
            "numerator",
            "denominator",
        ],
    ).astype({"numerator": "float64", "denominator": "float64", "year": "int64"})
    warehouse.replace_table("staging", "stg_deso_indicator_inputs", staging)
    kommun = pd.DataFrame(
        [  # kommun, year, utrikes födda, inrikes med två utrikes födda föräldrar, totalt
            ("0123", 2020, 500, 300, 3000),
            ("0123", 2021, 500, 300, 3000),
            ("0123", 2022, 500, 300, 3000),
            ("0123", 2025, 600, 300, 3000),
        ],
        columns=[
            "kommun",
            "year",
            "utrikes_fodda_antal",
            "inrikes_fodda_tva_utrikes_foraldrar_antal",
            "totalt_antal",
        ],
    )
    warehouse.replace_table("marts", "population_background", kommun)
    return warehouse


def test_a_year_that_differs_is_named_with_its_size(tmp_path):
    off = population_differences(hand_made(tmp_path))
    # 2021: DeSO 1000 + 2010 = 3010 persons against 3000; share 800/3010 against 800/3000.
    # 2025: 3020 against 3000 is within 1 % (30 persons); 900/3020 = 29.80 % against
    # 900/3000 = 30.00 % is within 1 % of 30 (0.3). 2022 has a suppressed cell: not compared.
    assert off[["kommun", "year", "measure"]].values.tolist() == [
        ["0123", 2021, "andel med utländsk bakgrund (%)"],
        ["0123", 2021, "folkmängd (personer)"],
    ]
    share, people = off.to_dict("records")
    assert share["deso_sum"] == pytest.approx(100 * 800 / 3010)
    assert share["kommun_table"] == pytest.approx(100 * 800 / 3000)
    assert share["difference"] == pytest.approx(100 * 800 / 3010 - 100 * 800 / 3000)
    assert (people["deso_sum"], people["kommun_table"], people["difference"]) == (3010, 3000, 10)


def test_agreeing_tables_have_no_difference(tmp_path):
    warehouse = hand_made(tmp_path)
    with warehouse.connect() as con:
        con.execute("DELETE FROM staging.stg_deso_indicator_inputs WHERE year = 2021")
    assert population_differences(warehouse).empty


def test_snapshot_passes_the_check(raw_dir, marts_dir):
    result = run_everything().refresh
    assert result.success
    evaluations = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "population_agrees_across_tables"
    ]
    assert len(evaluations) == 1 and evaluations[0].passed
    assert evaluations[0].metadata["differences"].value == 0
    # and the check compared something: the snapshot's DeSO sums exist for both kommuner
    compared = Warehouse(marts_dir).query(
        """SELECT count(DISTINCT (kommun, year)) AS n FROM staging.stg_deso_indicator_inputs
           JOIN marts.population_background USING (kommun, year)
           WHERE indicator = 'befolkning' AND region_level = 'deso' AND sex = '1+2'"""
    )
    assert int(compared["n"][0]) >= 20
