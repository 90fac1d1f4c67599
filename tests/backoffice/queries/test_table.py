"""The query table: it covers the catalog's queries, and checking an upstream's rows against it
either gives typed, worded values or refuses the answer as Malformed, whatever the rows hold."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backoffice.catalog.queries import Malformed, Source, checked_rows, spec, table, worded
from backoffice.demo.kiosk_views import seed_catalog

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


def test_every_query_of_the_catalog_has_a_row_and_each_row_its_fields() -> None:
    catalog = seed_catalog()
    queries = [i["code"] for c in catalog["categories"] for i in c["items"] if i["kind"] == "query"]
    assert len(queries) == 25 and set(catalog["no_certificate"]) < set(queries)
    assert sorted(table().queries) == sorted(queries)
    for code, query in table().queries.items():
        assert (query.source is Source.CATALOG) == (query.fields == ()), code
        names = [f.name for f in query.fields]
        assert len(set(names)) == len(names), code


@given(st.sampled_from(sorted(table().queries)), st.lists(JSON, max_size=3))
def test_any_rows_are_typed_and_worded_or_refused(code: str, rows: list[Any]) -> None:
    query = spec(code)
    assert query is not None
    try:
        checked = checked_rows(code, query, {"code": code, "rows": rows})
    except Malformed:
        return
    by_name = {f.name: f for f in query.fields}
    for row in checked:
        for name, value in row.items():
            words = worded(by_name[name], value)
            assert words.zh and words.en


CHINESE = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=4
)


@given(CHINESE)
def test_an_applicants_name_is_masked(name: str) -> None:
    query = spec("Q-PROGRESS")
    assert query is not None
    [raw] = [{
        "receipt": "202612010042", "matter": "居住证申领", "applicant": name,
        "received_on": "2026-12-01", "status": "received", "step": "窗口受理",
        "expected_by": "2026-12-19",
    }]  # fmt: skip
    [row] = checked_rows("Q-PROGRESS", query, {"code": "Q-PROGRESS", "rows": [raw]})
    masked = row["applicant"]
    assert masked != name and masked[0] == name[0] and len(masked) == len(name)
    assert masked[1] == "*"


@given(st.text(max_size=10), st.text(max_size=10))
def test_a_mobile_or_id_number_in_an_upstream_text_is_masked(before: str, after: str) -> None:
    query = spec("Q-HOTLINE")
    assert query is not None
    name = f"{before} 13912341111 11010519491231002X {after}"
    raw = {"name": name, "number": "12345", "hours": "24小时"}
    [row] = checked_rows("Q-HOTLINE", query, {"code": "Q-HOTLINE", "rows": [raw]})
    assert "13912341111" not in row["name"] and "11010519491231002X" not in row["name"]
