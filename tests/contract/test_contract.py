"""The OpenAPI document tells the truth: a property-based fuzzer (schemathesis 4) drives every
operation, none excluded, as anonymous, a terminal, an admin and a unit's staff, with a fixed
seed and a few examples each, against a live back office; no answer may be a 5xx or differ from
the document in status, content type or body. `python -m bench.contract` is the full sweep."""

from __future__ import annotations

from bench.contract import ROLES, sweep

# A few examples an operation keep the run to a minute or two; bench.contract runs many.
EXAMPLES = 3
SEED = 15


def test_every_operation_answers_as_documented_for_every_role() -> None:
    found = sweep(max_examples=EXAMPLES, seed=SEED, phases="examples,fuzzing")
    assert set(found) == set(ROLES)
    report = {
        role: [f"{f.operation}: {f.message[:300]}" for f in failures]
        for role, failures in found.items()
    }
    assert report == {role: [] for role in ROLES}
