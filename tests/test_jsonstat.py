"""json-stat2 parsing and selection splitting, on small documents worked out by hand."""

from __future__ import annotations

import math

import pytest

from pipelines.sources.scb.errors import ScbResponseError
from pipelines.sources.scb.jsonstat import cells_frame, parse_cells, parse_jsonstat2
from pipelines.sources.scb.selection import split_selection


def doc(value, status=None):
    d = {
        "version": "2.0",
        "class": "dataset",
        "label": "t",
        "updated": "2025-01-01",
        "id": ["Region", "Tid"],
        "size": [2, 3],
        "dimension": {
            "Region": {
                "label": "region",
                "category": {
                    "index": {"0123": 0, "0680": 1},
                    "label": {"0123": "Järfälla", "0680": "Jönköping"},
                },
            },
            "Tid": {"label": "år", "category": {"index": ["2021", "2022", "2023"]}},
        },
        "value": value,
    }
    if status is not None:
        d["status"] = status
    return d


def test_array_values_are_row_major_with_last_dimension_fastest():
    frame = parse_jsonstat2(doc([1, 2, 3, 4, 5, 6])).frame
    assert list(frame.Region) == ["0123"] * 3 + ["0680"] * 3
    assert list(frame.Tid) == ["2021", "2022", "2023"] * 2
    assert list(frame.Region_label[:1]) == ["Järfälla"]
    assert list(frame.value) == [1, 2, 3, 4, 5, 6]


def test_object_values_and_status_keep_missing_cells_missing():
    frame = parse_jsonstat2(doc({"0": 7, "5": 9}, status={"1": "..", "2": "."})).frame
    assert frame.value.isna().tolist() == [False, True, True, True, True, False]
    assert frame.status.isna().tolist() == [True, False, False, True, True, True]
    assert frame.status[1] == ".." and frame.status[2] == "."
    assert frame.value[0] == 7 and frame.value[5] == 9


def test_parts_of_one_table_join_into_one_frame_with_every_category():
    """Two responses of one table (other regions and years, other symbols) give the rows of
    both, in order, as one frame: categories in the order first seen, labels kept."""
    first = doc({"0": 7, "5": 9}, status={"1": "..", "2": "."})
    second = doc([1, None, 3, 4, 5, 6], status=[None, ".", None, None, "x", None])
    second["dimension"]["Region"]["category"] = {
        "index": ["0680", "0114"],
        "label": {"0680": "Jönköping", "0114": "Upplands Väsby"},
    }
    second["dimension"]["Tid"]["category"]["index"] = ["2023", "2024", "2025"]
    frame = cells_frame([parse_cells(first), parse_cells(second)])
    assert len(frame) == 12
    assert list(frame.Region) == ["0123"] * 3 + ["0680"] * 6 + ["0114"] * 3
    assert list(frame.Region.cat.categories) == ["0123", "0680", "0114"]
    assert list(frame.Region_label[9:10]) == ["Upplands Väsby"]
    assert list(frame.Tid) == ["2021", "2022", "2023"] * 2 + ["2023", "2024", "2025"] * 2
    assert frame.value.fillna(-1).tolist() == [7, -1, -1, -1, -1, 9, 1, -1, 3, 4, 5, 6]
    status = frame.status.astype(object).where(frame.status.notna(), None).tolist()
    assert status == [None, "..", ".", None, None, None, None, ".", None, None, "x", None]
    assert list(frame.status.cat.categories) == ["..", ".", "x"]
    # two codes with one label in different parts both keep it (as each part alone gives it)
    third = doc([1] * 6)
    third["dimension"]["Region"]["category"]["label"] = {"0123": "Järfälla", "0680": "Jönköping"}
    fourth = doc([2] * 6)
    fourth["dimension"]["Region"]["category"] = {
        "index": ["0123_X", "0680"],
        "label": {"0123_X": "Järfälla", "0680": "Jönköping"},
    }
    joined = cells_frame([parse_cells(third), parse_cells(fourth)])
    assert list(joined.Region[6:9]) == ["0123_X"] * 3
    assert set(joined.Region_label) == {"Järfälla", "Jönköping"}
    # one part alone gives what parse_jsonstat2 gives
    alone = cells_frame([parse_cells(first)])
    assert alone.equals(parse_jsonstat2(first).frame)


def test_wrong_number_of_values_is_an_error():
    with pytest.raises(ScbResponseError, match="5 celler men dimensionerna ger 6"):
        parse_jsonstat2(doc([1, 2, 3, 4, 5]))


def test_dimensions_other_than_the_metadata_are_an_error():
    with pytest.raises(ScbResponseError, match="saknas: \\['Kon'\\]"):
        parse_jsonstat2(doc([1] * 6), expected_dimensions=["Region", "Kon", "Tid"])


@pytest.mark.parametrize(
    ("sizes", "limit"),
    [((40, 2, 30), 500), ((5983, 3, 16), 150_000), ((7, 3), 10), ((100, 100), 150)],
)
def test_split_uses_few_calls_each_within_the_limit(sizes, limit):
    selection = {f"v{i}": [str(j) for j in range(n)] for i, n in enumerate(sizes)}
    chunks = split_selection(selection, limit)
    cells = [math.prod(len(v) for v in c.values()) for c in chunks]
    assert max(cells) <= limit
    assert sum(cells) == math.prod(sizes)
    covered = {
        tuple(zip(c, combo))
        for c in chunks
        for combo in __import__("itertools").product(*c.values())
    }
    assert len(covered) == math.prod(sizes)
    assert len(chunks) <= math.ceil(math.prod(sizes) / limit) + 1
