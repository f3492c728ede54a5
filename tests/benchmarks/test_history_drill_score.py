"""The history drill's score: a step is named when a change point falls on its exact commit,
and any other change point is a false one; the record's file reads back into the tables."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tools.commands.history_drill import _outcomes
from tools.history_drill.drill import score
from tools.history_drill.tables import drills

RECORD = Path(__file__).resolve().parents[2] / "docs" / "history_drill.json"


def outcome(steps: dict[int, float], drift: tuple[int, int] | None = None) -> dict:
    rng = random.Random(5)
    commits = [f"{i:040x}" for i in range(30)]
    level, rpc, drain = 1.0, [], []
    for i in range(30):
        level *= 1 + steps.get(i, 0.0)
        rpc.append(level * (1 + rng.gauss(0, 0.01)))
        off = 1.06 if drift and drift[0] <= i < drift[1] else 1.0
        drain.append(off * (1 + rng.gauss(0, 0.004)))
    return {
        "commits": commits,
        "steps": [
            {"index": i, "path": "rpc", "level": size, "revert": False} for i, size in steps.items()
        ],
        "seconds": [140.0] * 30,
        "ratios": {"rpc_p50": rpc, "drain_us_per_event": drain},
    }


def test_a_step_at_its_commit_is_named_and_a_drift_elsewhere_is_false():
    scored = score(outcome({12: 0.10}, drift=(20, 30)))
    assert scored["named"] == [12]
    assert scored["false"] == [20]
    assert {(f["metric"], f["index"]) for f in scored["change_points"]} == {
        ("rpc_p50", 12),
        ("drain_us_per_event", 20),
    }


def test_the_tables_count_named_and_false():
    drilled = outcome({12: 0.10})
    drilled.update(score(drilled))
    text = drills([drilled])
    assert "1 of 1 named at their exact commit, 0 false change point(s) over 29" in text


def test_the_record_reads_back_and_its_score_is_what_its_series_give():
    record = json.loads(RECORD.read_text())
    outcomes = _outcomes(record)
    assert "points" in outcomes[0] and len(outcomes[0]["points"]) >= 20
    for drilled in outcomes[1:]:
        again = score(drilled)
        assert again["named"] == drilled["named"] and again["false"] == drilled["false"]
