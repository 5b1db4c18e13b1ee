"""The Swedish words of the committee report that Python puts together.

Running text (the introduction, "Om siffrorna", the plan's caveats, table headings) lives
in the templates (`pipelines/publish/templates/`); the labels, chart titles and the short
phrases that depend on the data are here, in one place.
"""

from __future__ import annotations

import pandas as pd

PLAN_SOURCE = "Tabell 1, Järfälla kommuns handlingsplan för integration 2017–2018 (Dnr Kst 2016/56)"
PLAN_SOURCE_KOMMUN = "0123"  # the kommun whose plan published the background figures
DEMO_BANNER = (
    "Rapporten innehåller DEMODATA: påhittade siffror som visar hur rapporten fungerar, inte "
    "SCB:s statistik. Diagram och tabeller med demodata är märkta. En rapport med SCB:s "
    "verkliga siffror fås när uppgifterna hämtas direkt från SCB (se Teknisk bilaga)."
)
PARITY_MIN_YEARS = 5  # years of data in the current segment before a parity year is given
PARITY_MAX_AHEAD = 20  # a parity year further ahead than this is not given
MISSING = "–"

# charts
YEAR_AXIS = "År"
DEMO_SUBTITLE = "<br><sup>DEMODATA, inte SCB:s statistik</sup>"
BREAK_NOTE = "Seriebrott: {what}"
KOMMUN, RIKET, REST_OF_KOMMUN = "Kommunen", "Riket", "Övriga kommunen"
BACKGROUND_TITLE = "Befolkning efter bakgrund, andel (%)"
BACKGROUND_DEMO_SUBTITLE = "<br><sup>Delvis DEMODATA: se kolumnen Uppgift i tabellen</sup>"
BACKGROUND_AXIS = "Andel av befolkningen (%)"
BACKGROUND_LINES = (
    ("utrikes_fodda_andel", "Utrikes födda"),
    ("inrikes_fodda_tva_utrikes_foraldrar_andel", "Inrikes födda med två utrikes födda föräldrar"),
    ("inrikes_fodda_ovriga_andel", "Övriga inrikes födda"),
)
PUBLISHED_YEARS = "Publicerade siffror {first}–{last}"
DEMO_AFTER = "Demodata efter {last}"
PLAN_RANGE = "Jämförelseområdena, lägsta–högsta"
PLAN_MEAN = "Jämförelseområdena, medel"
PLAN_STARTS = "Planen startar {start}"
INDEX_OTHERS = "Övriga inlästa kommuner"
INDEX_EXPECTED = "{kommun}: väntat vid slumpmässig fördelning"
INDEX_AXIS = "D (0 = jämnt fördelad, 1 = helt åtskild)"

# axis and legend titles per indicator unit (`unit` in the catalog), and a value's unit
UNIT_TITLES = {
    "procent": "Andel (%)",
    "tkr": "Tusen kronor",
    "personer": "Antal personer",
    "dagar": "Dagar",
    "per 100 000 inv.": "Per 100 000 invånare",
}
UNIT_SUFFIX = {"procent": " %", "tkr": " tkr", "personer": " personer"}

# maps (pipelines/publish/maps.py): hover texts, titles, and why there is no map
MAP_MISSING = "uppgift saknas"
MAP_FOCUS_AREA = "Fokusområde"
MAP_DESO = "<b>DeSO {code}</b>"
MAP_REGSO = "RegSO: {name} ({code})"
MAP_IN_AREA = "Fokusområde: {area}"
MAP_BOUNDARIES = "Gränser: {source}"
MAP_DESO_TITLE = "{indicator} per DeSO{year}"
MAP_DESO_SUBTITLE = "{division}, kommun {kommun}. Fokusområdena har röd kontur."
MAP_DEMO = " DEMODATA, inte SCB:s statistik."
MAP_ZOOMED = (" per DeSO", " per DeSO, fokusområdena närmare")
MAP_REGSO_HOVER = "<b>RegSO {name}</b> ({code})<br>DeSO {deso}<br>"
MAP_TYPE = "Områdestyp {kind}: {label}"
MAP_TYPE_MISSING = "Områdestyp: " + MAP_MISSING
MAP_TYPE_TITLE = "Områdestyp per RegSO{year}"
MAP_KOMMUN_TITLE = "{indicator} per kommun{year}"
MAP_FETCHED_SOURCE = "SCB:s öppna geodata, lager {layer} (CC0), hämtat {fetched}; {url}"
MAP_SHIPPED_SOURCE = "SCB:s DeSO 2025 (CC0), förenklade gränser"
NO_BOUNDARIES = (
    "Ingen karta: gränserna för DeSO i {kommun_name} har inte hämtats från SCB:s öppna "
    "karttjänst ännu (se Teknisk bilaga)."
)
NO_DESO_VALUES = "Ingen karta: det finns inga värden per DeSO att visa."
NO_INDICATOR_VALUES = "Det finns inga värden per DeSO för indikatorn {indicator} i {kommun_name}."

# tables
DEMO_MARK = "demodata"
PUBLISHED = "publicerad"
PUBLISHED_IN_PLAN = "publicerad i planen"
AGAINST_RIKET = " (riket)"
HEADLINE_LEVELS = {  # (own, other) by whom the rows compare: areas, the kommun, or both
    "area": ("Området", "Kommunen"),
    "kommun": ("Kommunen", "Riket"),
    "both": ("Området (eller kommunen)", "Kommunen (eller riket)"),
}
MEASURE_WORDS = {
    "dissimilarity": "olikhetsindex D (utländsk/svensk bakgrund)",
    "theil_h": "Theils H (utländsk/svensk bakgrund)",
    "isolation": "isolering (utländsk bakgrund)",
    "exposure": "exponering (utländsk mot svensk bakgrund)",
    "income_dissimilarity": "inkomstsegregation D (lägsta mot högsta kvartilen)",
}
TYPE_MISSING = "uppgift saknas"
SHARE_BETTER_OFF = "{share} % av DeSO har ett gynnsammare värde"
HIGHER_THAN = "högre än i {percentile} % av DeSO"
COMPARED_WITH = "{deso} DeSO i {kommuner} kommuner"
NO_ESTIMATE = "{indicator}: ingen skattning – {reason}."
SOURCE_MISSING = "Måttet {title} saknas i denna körning: {reason}."
BASELINE_AFTER_START = (
    "Observera: områdestypen som jämförelseområdena valdes på är från {year}, efter planens "
    "start {start}, eftersom SCB inte har någon tidigare. Planen kan själv ha påverkat typen, "
    "så jämförelsen är osäkrare än annars."
)
BACKGROUND_SOURCE = "{plan}: befolkning efter bakgrund {years} (SCB {tables})"

# the plan's measures (integrationsbokslut, and the committee report's "Åtgärder")
ALL_PLAN_AREAS = "alla planens områden"
NOT_REPORTED = "ej rapporterad"
KOMMUN_WORD = "kommunen"
RIKET_WORD = "riket"
CLOSER = "närmare {against}"
FURTHER = "längre från {against}"
MOVED = "{indicator}, {area}: gapet {first} → {last} {unit} ({years}), {towards}"
DIRECTION_CHANGED = "{indicator}, {area}: {was} → {now}"
STATUS_CHANGES = {  # what happened to a measure since the previous bokslut, as headings
    "started": "Har startat",
    "finished": "Har genomförts",
    "stopped": "Har avbrutits",
    "planned": "Nya, planerade",
}
NOT_CAUSAL = (
    "Att en indikator rört sig medan en åtgärd pågått säger inte att åtgärden orsakat det: "
    "mycket annat påverkar områdena samtidigt. Om planen som helhet gjort skillnad prövas mot "
    'jämförelseområden i utskottsrapportens avsnitt "Har planen gjort skillnad?".'
)
EXAMPLE_MEASURES = (
    "EXEMPEL: åtgärderna i denna fil är påhittade för demonstrationen, inte kommunens egna. "
    "Ersätt dem med kommunens åtgärder i data/raw/areas/measures.csv."
)
BOKSLUT_FILE = "integrationsbokslut_{kommun}_{year}.html"
RESTARTED = (
    "Serien började om sedan förra bokslutet (ny DeSO-indelning eller åldersgrupp) för "
    "{count} indikatorer; deras riktning bedöms på nytt när det finns fler år:"
)
GOAL_MISSING = (
    "Kommunen har inte lämnat några uppgifter (data/raw/{file}): målet kan inte följas upp här."
)
GOAL_CHANGE = "{what} har {verb} från {first} till {last}{unit} ({years})."
SCHOOL_D = "D mellan skolorna"


def join_words(words: list[str]) -> str:
    """'a', 'a och b', 'a, b och c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " och " + words[-1]


def short_break(text: str) -> str:
    """A series break in a few Swedish words for a chart: 'ny indelning: DeSO 2025; ny
    tabell: TAB6534' → 'DeSO 2025, ny tabell'."""
    words = []
    for part in str(text).split("; "):
        kind, _, what = part.partition(": ")
        if kind == "ny indelning" or kind == "ny åldersgrupp":
            words.append(what)
        elif kind == "ny tabell":
            words.append("ny tabell")
        elif "CKM" in part:
            words.append("SCB:s brus (CKM)")
        else:
            words.append(part)
    return ", ".join(words)


def restart_words(reason: object) -> str:
    """Why a trend restarts, in a few words for the headline table."""
    text = str(reason)
    if "obekräftade" in text:
        return "ny DeSO-indelning, områdets DeSO 2025 obekräftade"
    if "täcker inte samma område" in text:
        return "ny DeSO-indelning, annat område"
    if text.startswith("ny åldersgrupp"):
        return text
    return "seriebrott"


FOOTNOTE_MARKS = "¹²³⁴⁵⁶⁷⁸⁹"
SAME_IN_EVERY_ROW = "{column} för alla indikatorer i tabellen: {value}."
ROUNDED_GAP = "Gapet är skillnaden mellan de visade, avrundade värdena."


def restart_note(trend: pd.Series) -> str | None:
    """Why a trend restarts, as a table's footnote ('ny DeSO-indelning 2024; områdets DeSO 2025
    obekräftade'); None when it does not restart."""
    start = trend.get("series_start_year")
    if start is None or pd.isna(start):
        return None
    words = restart_words(trend.restart_reason)
    if words.startswith("ny DeSO-indelning, "):
        return f"ny DeSO-indelning {int(start)}; " + words.removeprefix("ny DeSO-indelning, ")
    return f"{words} {int(start)}"


def direction_text(trend: pd.Series, mark: str | None = None) -> str:
    """The direction of an area's gap since the trend's first year, or since it restarted at a
    series break (then with what it was before). `trend` is a row of `focus_area_trend`.
    With `mark`, the reason for the restart is a footnote mark instead of words in brackets
    (the table says the reason once, see :func:`restart_note`)."""
    text = f"{trend.direction} sedan {trend.first_year}"
    start = trend.get("series_start_year")
    if start is not None and pd.notna(start):
        reason = mark if mark is not None else f" ({restart_words(trend.restart_reason)})"
        text = f"{trend.direction} från {int(start)}{reason}"
        if pd.notna(trend.previous_direction):
            text += (
                f"; {int(trend.previous_first_year)}–{int(trend.previous_latest_year)}: "
                f"{trend.previous_direction}"
            )
    return text


def favourable(gap: object, higher_is_better: object, places: int = 1) -> str:
    """Whether a gap (the area minus its comparison) is favourable, from the catalog's
    higher_is_better: 'bättre', 'sämre', 'lika' (rounds to zero at `places` decimals) or
    'ingen värdering' (neutral)."""
    if gap is None or pd.isna(gap):
        return MISSING
    better = str(higher_is_better).lower()
    if better not in ("true", "false"):
        return "ingen värdering"
    if round(float(gap), places) == 0:
        return "lika"
    return "bättre" if (float(gap) > 0) == (better == "true") else "sämre"


def parity_text(gaps: pd.DataFrame, parity: object) -> str:
    """The parity year, only when the current segment has at least PARITY_MIN_YEARS years,
    the absolute gap shrinks steadily (in at least two of three steps, and from first to
    last year) and the year is at most PARITY_MAX_AHEAD years after the latest; otherwise
    'inget slutår beräknas' with the reason. `gaps` holds year and gap of the segment."""
    gaps = gaps.dropna(subset=["gap"]).sort_values("year")
    years = len(gaps)
    if years < PARITY_MIN_YEARS:
        return (
            f"inget slutår beräknas: {years} år med data i serien (minst {PARITY_MIN_YEARS} behövs)"
        )
    size = gaps.gap.abs().tolist()
    steps = [b < a for a, b in zip(size, size[1:])]
    if not size[-1] < size[0]:
        return "inget slutår beräknas: gapet minskar inte"
    if sum(steps) * 3 < len(steps) * 2:
        return "inget slutår beräknas: gapet minskar inte jämnt"
    if parity is None or pd.isna(parity):
        return "inget slutår beräknas: gapet minskar för långsamt"
    latest = int(gaps.year.iloc[-1])
    if int(parity) - latest > PARITY_MAX_AHEAD:
        return (
            f"inget slutår beräknas: i nuvarande takt mer än {PARITY_MAX_AHEAD} år fram "
            f"({int(parity)})"
        )
    return f"i nuvarande takt lika {int(parity)}"


def index_title(kommun_name: str, others: int, demo: bool) -> str:
    """The segregation index chart's title: the kommun and how many others it is drawn with."""
    title = f"Olikhetsindex D i {kommun_name} och {others} " + (
        "annan kommun" if others == 1 else "andra kommuner"
    )
    return title + (" (DEMODATA)" if demo else "")
