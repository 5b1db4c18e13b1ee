"""The report's sections as data, on small hand-made marts; expected values worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.publish.area_section import headline, indicator_order, membership, sex_rows
from pipelines.publish.background_section import background_rows, source_rows
from pipelines.publish.charts import ChartHtml, indicator_chart
from pipelines.publish.context_section import kommun_comparison, national_rows, omradestyp_rows
from pipelines.publish.plan_section import comparison_text, effect_items
from pipelines.publish.report import render
from pipelines.publish.texts import direction_text


def area_rows() -> pd.DataFrame:
    """Employment (a share, 2018–2022, gap closing by 1 a year) and crime (a kommun-wide rate
    against the country, one year)."""
    employment = pd.DataFrame(
        {
            "indicator": "sysselsattning",
            "theme": "arbete och vuxenutbildning",
            "indicator_name": "Förvärvsarbetande",
            "unit": "procent",
            "year": range(2018, 2023),
            "value": [60.0, 61.0, 62.0, 63.0, 64.0],
            "comparison_value": 70.0,
            "comparison_level": "område mot kommun",
            "gap": [-10.0, -9.0, -8.0, -7.0, -6.0],
            "gap_unit": "procentenheter",
            "higher_is_better": "true",
            "demo": False,
        }
    )
    crime = pd.DataFrame(
        {
            "indicator": ["brott"],
            "theme": "brottslighet och trygghet",
            "indicator_name": "Brott <anmälda>",
            "unit": "per 100 000 inv.",
            "year": [2022],
            "value": [1234.4],
            "comparison_value": [1200.0],
            "comparison_level": "kommun mot riket",
            "gap": [34.4],
            "gap_unit": "per 100 000 inv.",
            "higher_is_better": "false",
            "demo": True,
        }
    )
    return pd.concat([employment, crime], ignore_index=True)


TREND = pd.DataFrame(
    {
        "indicator": ["sysselsattning"],
        "direction": ["minskande gap"],
        "first_year": [2018],
        "series_start_year": [None],
        "restart_reason": [None],
        "previous_direction": [None],
        "previous_first_year": [None],
        "previous_latest_year": [None],
        "parity_year_at_current_pace": [2028.0],
    }
)


def test_indicators_follow_the_plans_themes_then_their_id():
    rows = pd.DataFrame(
        {
            "indicator": ["b", "a", "c", "d"],
            "theme": [
                "arbete och vuxenutbildning",
                "arbete och vuxenutbildning",
                "bostadsområden",
                "inget tema",
            ],
        }
    )
    assert indicator_order(rows) == ["c", "a", "b", "d"]


def test_headline_groups_by_theme_and_words_each_indicators_latest_year():
    rows = area_rows()
    table = headline(rows, TREND, indicator_order(rows))
    # one indicator compares the area with the kommun, the other the kommun with the country
    assert (table["own"], table["other"]) == ("Området (eller kommunen)", "Kommunen (eller riket)")
    assert table["rows"] == [
        {"theme": "Brottslighet och trygghet"},
        {
            "name": "Brott <anmälda>",
            "demo": True,
            # a rate has no decimals; a higher crime rate is worse; no trend row
            "cells": ["2022", "1 234", "1 200 (riket)", "34 per 100 000 inv.", "sämre", "–", "–"],
        },
        {"theme": "Arbete och vuxenutbildning"},
        {
            "name": "Förvärvsarbetande",
            "demo": False,
            # 64 − 70; five years, the gap closing by one a year: even in 2028
            "cells": [
                "2022",
                "64,0",
                "70,0",
                "−6,0 procentenheter",
                "sämre",
                "minskande gap sedan 2018",
                "i nuvarande takt lika 2028",
            ],
        },
    ]


def test_a_restarted_trend_says_since_when_why_and_what_it_was_before():
    trend = TREND.iloc[0].copy()
    trend["direction"] = "ökande gap"
    trend["series_start_year"] = 2024
    trend["restart_reason"] = "DeSO 2025 täcker inte samma område"
    trend["previous_direction"] = "minskande gap"
    trend["previous_first_year"], trend["previous_latest_year"] = 2018, 2023
    assert direction_text(trend) == (
        "ökande gap från 2024 (ny DeSO-indelning, annat område); 2018–2023: minskande gap"
    )


def test_the_rendered_headline_escapes_names_and_marks_demo_data():
    rows = area_rows()
    area = {
        "name": "Söder & Norr",
        "membership": [],
        "headline": headline(rows, TREND, indicator_order(rows)),
        "sexes": [],
        "omradestyp": [],
        "national": [],
        "charts": [],
    }
    page = render("area.html.j2", area=area)
    assert "<h2>Söder &amp; Norr</h2>" in page
    assert '<tr><td>Brott &lt;anmälda&gt; <span class="demo">demodata</span></td>' in page
    assert "<tr><td>Förvärvsarbetande</td><td>2022</td><td>64,0</td>" in page
    assert "<th>Gap (området − kommunen)</th><th>Bättre/sämre än kommunen</th>" in page
    assert '<tr class="theme"><td colspan="8">Brottslighet och trygghet</td></tr>' in page


def test_women_and_men_beside_the_total_in_the_latest_year_with_both():
    rows = pd.DataFrame(
        {
            "indicator": "sysselsattning",
            "indicator_name": "Förvärvsarbetande",
            "unit": "procent",
            "year": [2021, 2022, 2022, 2022, 2023],
            "sex": ["1+2", "1+2", "1", "2", "1+2"],  # 2023: no figures by sex yet
            "value": [49.0, 50.0, 48.0, 52.04, 51.0],
        }
    )
    assert sex_rows(rows, ["sysselsattning", "saknas"]) == [
        ["Förvärvsarbetande", "2022", "50,0", "52,0", "48,0"]
    ]
    assert sex_rows(rows[rows.sex == "1+2"], ["sysselsattning"]) == []


def test_membership_lists_each_divisions_deso_and_whether_the_kommun_confirmed_them():
    members = pd.DataFrame(
        {
            "kommun": "0123",
            "area_id": ["a", "a", "a", "b"],
            "division": ["DeSO2025", "DeSO2025", "DeSO2018", "DeSO2025"],
            "deso": ["0123C2", "0123C1", "0123C1", "0123C9"],
            "regso": "0123R001",
            "regso_name": "Centrum",
            "status": ["obekräftad", "bekräftad", "bekräftad", "bekräftad"],
        }
    )
    deso = {"regso_name": "Centrum", "regso": "0123R001"}
    assert membership(members, "0123", "a") == [
        {"division": "DeSO 2018", "deso": [{"deso": "0123C1", **deso}], "confirmed": True},
        {
            "division": "DeSO 2025",
            "deso": [{"deso": "0123C1", **deso}, {"deso": "0123C2", **deso}],
            "confirmed": False,  # one of its DeSO is unconfirmed
        },
    ]
    assert membership(None, "0123", "a") == [] and membership(members, "0680", "a") == []


def segregation_index() -> pd.DataFrame:
    base = {"division": "DeSO2018", "kommuner_compared": 2, "demo": False}
    rows = [
        {"kommun": "0123", "year": 2021, "measure": "dissimilarity", "value": 0.30, "rank": 2},
        {"kommun": "0123", "year": 2022, "measure": "dissimilarity", "value": 0.3456, "rank": 1},
        {"kommun": "0123", "year": 2022, "measure": "isolation", "value": 0.2, "rank": None},
        {"kommun": "0680", "year": 2022, "measure": "dissimilarity", "value": 0.25, "rank": 2},
    ]
    index = pd.DataFrame([{**base, **r} for r in rows]).rename(
        columns={"rank": "rank_among_kommuner"}
    )
    index["kommun_name"] = index.kommun.map({"0123": "Järfälla", "0680": "Jönköping"})
    index["expected_random"] = [0.1, 0.12, None, 0.1]
    index["adjusted"] = [0.2, 0.2551, None, 0.15]
    index["interval_low"] = [0.09, 0.11, None, 0.09]
    index["interval_high"] = [0.11, 0.13, None, 0.11]
    return index


def test_kommun_comparison_gives_the_latest_index_its_place_and_every_measure():
    section = kommun_comparison({"segregation_index": segregation_index()}, "0123", "Järfälla")
    assert section["summary"] == {
        "year": 2022,
        "value": "0,35",
        "expected": "0,12",
        "adjusted": "0,26",
        "others": 2,
        "rank": 1,
    }
    assert section["year"] == 2022
    assert section["measures"] == [
        {
            "name": "olikhetsindex D (utländsk/svensk bakgrund)",
            "demo": False,
            "cells": ["0,346", "0,120 (0,110–0,130)", "0,255", "1 av 2"],
        },
        {
            "name": "isolering (utländsk bakgrund)",
            "demo": False,
            "cells": ["0,200", "– (–)", "–", "– av 2"],
        },
    ]
    others, own, expected = section["figure"].data
    assert list(own.y) == [0.30, 0.3456] and list(expected.y) == [0.1, 0.12]
    assert kommun_comparison({"segregation_index": segregation_index()}, "2584", "Kiruna") is None
    assert kommun_comparison({}, "0123", "Järfälla") is None


def test_area_context_rows_name_the_type_and_the_share_of_deso_better_off():
    types = pd.DataFrame(
        {
            "kommun": "0123",
            "area_id": "a",
            "year": [2023, 2022],
            "regso": "0123R001",
            "regso_name": "Centrum",
            "omradestyp": [2.0, None],
            "omradestyp_label": ["socioekonomiska utmaningar", None],
            "population_andel": [81.6, None],
        }
    )
    assert omradestyp_rows(types, "0123", "a") == [
        ["2022", "Centrum (0123R001)", "–", "–"],
        ["2023", "Centrum (0123R001)", "2 socioekonomiska utmaningar", "82 %"],
    ]
    context = pd.DataFrame(
        {
            "kommun": "0123",
            "area_id": "a",
            "sex": "1+2",
            "indicator": ["x", "x", "y"],
            "indicator_name": ["Låg ekonomisk standard", "Låg ekonomisk standard", "Andel"],
            "year": [2021, 2022, 2022],
            "percentile": [80.0, 90.4, 40.0],
            "share_of_deso_better_off": [80.0, 90.4, None],  # y has no better or worse
            "deso_compared": 6000,
            "kommuner_compared": 290,
            "demo": [False, False, True],
        }
    )
    assert national_rows(context, "0123", "a") == [
        {
            "name": "Låg ekonomisk standard",
            "demo": False,
            "cells": [
                "2022",
                "90",
                "90 % av DeSO har ett gynnsammare värde",
                "6000 DeSO i 290 kommuner",
            ],
        },
        {
            "name": "Andel",
            "demo": True,
            "cells": ["2022", "40", "högre än i 40 % av DeSO", "6000 DeSO i 290 kommuner"],
        },
    ]


def test_background_rows_and_sources_put_the_plans_published_figures_first():
    background = pd.DataFrame(
        {
            "year": [2015, 2016],
            "utrikes_fodda_antal": [15000, 15500],
            "utrikes_fodda_andel": [22.04, 22.5],
            "inrikes_fodda_tva_utrikes_foraldrar_antal": [7000, 7100],
            "inrikes_fodda_tva_utrikes_foraldrar_andel": [10.3, 10.31],
            "inrikes_fodda_ovriga_antal": [46000, 46300],
            "inrikes_fodda_ovriga_andel": [67.66, 67.19],
            "totalt_antal": [68000, 68900],
            "demo": [False, True],
            "series_break": [None, "ny tabell: TAB6534"],
            "source_table": ["TAB4824", "TAB6534"],
            "source_updated": ["2025-02-21T08:00:00", "2025-03-01"],
        }
    )
    assert background_rows(background) == [
        ["2015", "15 000", "22,0", "7 000", "10,3", "46 000", "67,7", "68 000", "publicerad"],
        [
            *["2016", "15 500", "22,5", "7 100", "10,3", "46 300", "67,2", "68 900"],
            "demodata; seriebrott: ny tabell",
        ],
    ]
    indicators = pd.DataFrame({"source_table": ["Kolada N00957"], "source_updated": ["2026-12-01"]})
    assert source_rows(indicators, background) == [
        [
            "Tabell 1, Järfälla kommuns handlingsplan för integration 2017–2018 (Dnr Kst "
            "2016/56): befolkning efter bakgrund 2015–2015 (SCB TAB4824)",
            "publicerad i planen",
        ],
        ["Kolada N00957", "2026-12-01"],
        ["TAB4824", "2025-02-21"],
        ["TAB6534", "2025-03-01"],
    ]


def test_plan_items_say_the_estimate_or_why_there_is_none():
    effects = pd.DataFrame(
        {
            "indicator_name": ["Andel", "Median"],
            "estimate_made": [True, False],
            "effect_text": ["Andel: skillnaden är 1,5 procentenheter.", None],
            "no_estimate_reason": [None, "för få år före planen"],
            "note": ["startåret antaget", None],
        }
    )
    assert effect_items(effects) == [
        "Andel: skillnaden är 1,5 procentenheter. (startåret antaget)",
        "Median: ingen skattning – för få år före planen.",
    ]
    comp = pd.DataFrame(
        {
            "omradestyp": [2, 2],
            "baseline_type_year": [2017, 2017],
            "comparison_regso_name": ["Ort 1", "Ort 2"],
            "comparison_kommun": ["0888", "0999"],
        }
    )
    assert comparison_text(comp) == {
        "omradestyp": 2,
        "year": 2017,
        "areas": "Ort 1 (0888), Ort 2 (0999)",
    }
    assert comparison_text(comp.iloc[0:0]) is None


@pytest.mark.parametrize("kind", ["chart", "map"])
def test_plotly_is_inlined_once_in_the_first_figure_of_a_page(kind):
    rows = area_rows()
    rows = rows[rows.indicator == "sysselsattning"].assign(rest_of_kommun_value=None)
    plots = ChartHtml()
    first, second = (getattr(plots, kind)(indicator_chart(rows, "Söder", False)) for _ in "ab")
    assert plots.count == 2
    assert len(first) > 1_000_000 and len(second) < 100_000  # plotly.js is some 4 MB
    assert ("scrollZoom" in second) == (kind == "map")
