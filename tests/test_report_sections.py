"""The report's sections as data, on small hand-made marts; expected values worked out by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest

from pipelines.publish.area_section import (
    headline,
    indicator_order,
    membership,
    plan_headings,
    sex_rows,
)
from pipelines.publish.background_section import (
    background_rows,
    missing_sources,
    published_years,
    source_name,
    source_rows,
)
from pipelines.publish.charts import ChartHtml, indicator_chart
from pipelines.publish.context_section import kommun_comparison, national_rows, omradestyp_rows
from pipelines.publish.plan_section import comparison_text, effect_items
from pipelines.publish.report import render
from pipelines.publish.texts import direction_text

PROJECT = Path(__file__).resolve().parents[1]


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


def test_the_plans_own_themes_order_and_name_the_headline_groups():
    themes = pd.DataFrame(
        {
            "kommun": "0127",
            "area_id": ["alby", "alby"],
            "position": [2, 1],
            "theme": ["brottslighet och trygghet", "arbete och vuxenutbildning"],
            "heading": ["Trygghet", "Egen försörjning"],
        }
    )
    headings = plan_headings(themes, "0127", "alby")
    assert headings == {"arbete och vuxenutbildning": "Egen försörjning",
                        "brottslighet och trygghet": "Trygghet"}  # fmt: skip
    # an area without its own rows (Hela kommunen) takes the kommun's plan; another kommun none
    assert plan_headings(themes, "0127", "kommun") == headings
    assert plan_headings(themes, "0123", "alby") == {}
    rows = area_rows()
    order = indicator_order(rows, list(headings))
    assert order == ["sysselsattning", "brott"]  # the plan's order, not the catalog's
    table = headline(rows, TREND, order, headings)
    assert [r["theme"] for r in table["rows"] if "theme" in r] == ["Egen försörjning", "Trygghet"]


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
        "measures": None,
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
    names = {"TAB4824": "Folkmängd efter bakgrund", "Kolada N00957": "Ohälsotal, dagar"}
    assert source_rows(indicators, background, "0123", names) == [
        [
            "Tabell 1, Järfälla kommuns handlingsplan för integration 2017–2018 (Dnr Kst "
            "2016/56): befolkning efter bakgrund 2015–2015 (SCB TAB4824)",
            "publicerad i planen",
        ],
        ["Kolada: Ohälsotal, dagar (N00957)", "2026-12-01"],
        ["SCB: Folkmängd efter bakgrund (TAB4824)", "2025-02-21"],
        ["TAB6534", "2025-03-01"],  # not in the catalog: the id as it is
    ]
    # another kommun's figures are never the plan's Tabell 1, published or not
    assert source_rows(indicators, background, "0127", names)[0][0].startswith("Kolada")
    assert published_years(background, "0127") is None
    assert published_years(background, "0123") == "2015–2015"


def test_om_siffrorna_names_tabell_1_only_for_the_kommun_whose_plan_published_it():
    page = {
        kommun: " ".join(
            render("about.html.j2", about={"published_years": years}, missing=[]).split()
        )
        for kommun, years in (("0123", "2005–2015"), ("0127", None))
    }
    assert "publicerades i Tabell 1, Järfälla kommuns handlingsplan" in page["0123"]
    assert "för 2005–2015" in page["0123"]
    assert "Tabell 1" not in page["0127"] and "Järfälla" not in page["0127"]
    assert "Gapet är skillnaden mellan de visade, avrundade värdena." in page["0127"]


def test_the_background_heading_is_neutral():
    page = render("background.html.j2", background={"figure": go.Figure(), "rows": []})
    assert "<h2>Befolkning efter bakgrund</h2>" in page and "Tabell 1" not in page


def test_a_source_of_two_tables_is_named_by_both():
    names = {"TAB6684": "Ekonomisk standard per DeSO", "TAB6571": "Folkmängd per DeSO"}
    assert source_name("TAB6684+TAB6571", names) == (
        "SCB: Ekonomisk standard per DeSO (TAB6684) och Folkmängd per DeSO (TAB6571)"
    )
    assert source_name("TAB6684+TAB9999", names) == "TAB6684+TAB9999"


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
    assert effect_items(effects) == (
        [
            "Andel: skillnaden är 1,5 procentenheter.¹",
            "Median: ingen skattning – för få år före planen.",
        ],
        ["¹ startåret antaget"],
    )
    comp = pd.DataFrame(
        {
            "omradestyp": [2, 2],
            "baseline_type_year": [2017, 2017],
            "start_year": [2019, 2019],
            "baseline_note": ["", ""],
            "matched_on": [
                "Median (nivå 2011–2018); Median (trend 2011–2018); Andel (nivå 2011–2018)"
            ]
            * 2,
            "comparison_regso_name": ["Ort 1", "Ort 2"],
            "comparison_kommun": ["0888", "0999"],
        }
    )
    assert comparison_text(comp) == {
        "omradestyp": 2,
        "year": 2017,
        "matched": "nivå och trend 2011–2018 för Median och Andel",
        "caveat": None,
        "areas": "Ort 1 (0888), Ort 2 (0999)",
    }
    assert comparison_text(comp.iloc[0:0]) is None


def test_a_note_shared_by_several_estimates_is_one_footnote():
    effects = pd.DataFrame(
        {
            "indicator_name": ["Andel", "Median", "Antal"],
            "estimate_made": [True, True, True],
            "effect_text": ["Andel: a.", "Median: b.", "Antal: c."],
            "no_estimate_reason": [None] * 3,
            "note": ["DeSO 2025 ingår inte", "DeSO 2025 ingår inte", None],
        }
    )
    items, notes = effect_items(effects)
    assert items == ["Andel: a.¹", "Median: b.¹", "Antal: c."]
    assert notes == ["¹ DeSO 2025 ingår inte"]


def test_a_type_observed_after_the_start_stands_beside_the_comparison():
    comp = pd.DataFrame(
        {
            "omradestyp": [1],
            "baseline_type_year": [2022],
            "start_year": [2019],
            "baseline_note": ["områdestyp finns först för 2022, efter planens start 2019"],
            "matched_on": [None],
            "comparison_regso_name": ["Ort 1"],
            "comparison_kommun": ["0888"],
        }
    )
    text = comparison_text(comp)
    assert "från 2022, efter planens start 2019" in text["caveat"]
    plan = {
        "name": "Plan",
        "start_year": 2019,
        "start_year_assumed": False,
        "areas": [
            {"name": "Fittja", "comparison": text, "effects": ["x"], "notes": [], "charts": []}
        ],
    }
    page = render("plan.html.j2", plan=plan)
    caveat = page.index("efter planens start 2019")
    assert (
        page.index("Jämförelseområden (områdestyp 1 år 2022)") < caveat < page.index("<li>x</li>")
    )
    # the reading guide says what the matching used, not "liknade det mest"
    assert "liknade det mest" not in page and "nivå och utveckling åren före" in page


@pytest.mark.parametrize("kind", ["chart", "map"])
def test_plotly_is_inlined_once_in_the_first_figure_of_a_page(kind):
    rows = area_rows()
    rows = rows[rows.indicator == "sysselsattning"].assign(rest_of_kommun_value=None)
    plots = ChartHtml()
    first, second = (getattr(plots, kind)(indicator_chart(rows, "Söder", False)) for _ in "ab")
    assert plots.count == 2
    assert len(first) > 1_000_000 and len(second) < 100_000  # plotly.js is some 4 MB
    assert ("scrollZoom" in second) == (kind == "map")


def restarted_rows() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two shares of one area, one year each on DeSO 2025 (restarted, unconfirmed DeSO), values
    whose rounded difference differs from their rounded gap (78,26 − 77,14 = 1,12 → 1,1,
    but 78,3 − 77,1 = 1,2)."""
    rows = pd.DataFrame(
        {
            "indicator": ["a", "b"],
            "theme": "arbete och vuxenutbildning",
            "indicator_name": ["Förvärvsarbetande", "Eftergymnasial"],
            "unit": "procent",
            "year": 2024,
            "value": [78.26, 40.0],
            "comparison_value": [77.14, 40.04],
            "comparison_level": "område mot kommun",
            "gap": [78.26 - 77.14, 40.0 - 40.04],
            "gap_unit": "procentenheter",
            "higher_is_better": "true",
            "demo": False,
        }
    )
    trend = pd.DataFrame(
        {
            "indicator": ["a", "b"],
            "direction": "för få år",
            "first_year": 2024,
            "series_start_year": 2024,
            "restart_reason": "ny indelning: DeSO 2025 (områdets DeSO 2025 obekräftade)",
            "previous_direction": "oförändrat",
            "previous_first_year": [2011, 2015],
            "previous_latest_year": 2023,
            "parity_year_at_current_pace": None,
        }
    )
    return rows, trend


def test_a_repeated_reason_is_one_footnote_and_a_column_alike_in_every_row_a_sentence():
    rows, trend = restarted_rows()
    table = headline(rows, trend, ["a", "b"])
    assert table["notes"] == ["¹ ny DeSO-indelning 2024; områdets DeSO 2025 obekräftade"]
    # Slutår says the same in both rows: a sentence above the table instead of a column
    assert table["columns"][-1] == "Riktning" and "Slutår" not in table["columns"]
    assert table["sentences"] == [
        "Slutår för alla indikatorer i tabellen: inget slutår beräknas: 1 år med data i serien "
        "(minst 5 behövs)."
    ]
    cells = [r["cells"] for r in table["rows"] if "cells" in r]
    assert [c[-1] for c in cells] == [
        "för få år från 2024¹; 2011–2023: oförändrat",
        "för få år från 2024¹; 2015–2023: oförändrat",
    ]
    assert all(len(c) == len(table["columns"]) - 1 for c in cells)
    page = render("area.html.j2", area={"name": "Fittja", "membership": [], "headline": table,
                                        "sexes": [], "measures": None, "omradestyp": [], "national": [], "charts": []})  # fmt: skip
    assert page.count("obekräftade") == 1 and page.count("minst 5 behövs") == 1


def test_the_shown_gap_is_the_difference_of_the_shown_values():
    rows, trend = restarted_rows()
    cells = [r["cells"] for r in headline(rows, trend, ["a", "b"])["rows"] if "cells" in r]
    assert cells[0][1:4] == ["78,3", "77,1", "1,2 procentenheter"]
    # 40,0 against 40,0: no gap shown, so no better or worse either
    assert cells[1][1:5] == ["40,0", "40,0", "0,0 procentenheter", "lika"]


def test_a_source_the_run_went_on_without_is_named_with_its_measure_and_why(tmp_path):
    # the mart, from the check's findings in a real DuckDB file
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE raw.preflight_check AS SELECT * FROM (VALUES "
        "('katalog', 'TAB6684 (deso_income_quartiles)', 'fel', 'koderna hittades inte', "
        "'deso_income_quartiles', true), "
        "('katalog', 'TAB6571 (deso_population_background)', 'ok', 'år 2010–2024', "
        "'deso_population_background', false), "
        "('filer', 'areas/plans.csv', 'ok', '3 områden', NULL, false)"
        ") AS t(part, subject, status, message, request, skipped)"
    )
    sql = (PROJECT / "sql" / "marts" / "source_status.sql").read_text(encoding="utf-8")
    status = con.execute(sql).df()
    con.close()
    assert status.request.tolist() == ["deso_income_quartiles"]
    names = {"request deso_income_quartiles": "Ekonomisk standard: andel i lägsta kvartilen"}
    missing = missing_sources(status, names)
    assert missing == [
        "Måttet Ekonomisk standard: andel i lägsta kvartilen saknas i denna körning: "
        "koderna hittades inte."
    ]
    page = render("about.html.j2", about={"published_years": None}, missing=missing)
    assert "saknas i denna körning: koderna hittades inte." in page
    assert missing_sources(status.iloc[0:0], names) == []
