"""./dev bisect's pieces: which commit git bisect names with a judge, which reading counts
as moved, and which side of the step a ratio is on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tools import bisection
from tools.bisection import Reading, is_bad, moved, pick


def git(cwd, *args):
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def test_git_bisect_names_the_first_commit_the_judge_calls_bad(tmp_path, monkeypatch):
    for i in range(12):
        (tmp_path / "speed").write_text(f"{1.0 if i < 7 else 1.08}\n# commit {i}\n")
        if i == 0:
            git(tmp_path, "init", "-q")
        git(tmp_path, "add", "speed")
        git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", f"c{i}")
    commits = git(tmp_path, "rev-list", "--reverse", "HEAD").split()
    judge = [sys.executable, "-c",
             "import subprocess, sys\n"
             "ratio = float(subprocess.run(['git', 'show', 'BISECT_HEAD:speed'],"
             " capture_output=True, text=True).stdout.split()[0])\n"
             "sys.exit(1 if abs(ratio - 1.08) < abs(ratio - 1) else 0)"]  # fmt: skip
    monkeypatch.setattr(bisection, "git", lambda *a: git(tmp_path, *a))
    first = bisection.run_git_bisect(commits[0], commits[-1], judge)
    assert first == commits[7]
    assert git(tmp_path, "status", "--porcelain") == ""  # nothing checked out, nothing left
    assert "bisect" not in git(tmp_path, "for-each-ref", "refs/bisect")


def reading(metric, ratio, pairs=None):
    return Reading(metric, ratio, pairs or [ratio] * 6)


def test_a_move_needs_its_size_and_agreeing_pairs():
    assert moved(reading("rpc_p50", 1.08))
    assert not moved(reading("rpc_p50", 1.03))  # under the gate's 5%
    assert not moved(reading("rpc_p99", 1.15))  # a tail needs 20%
    assert not moved(reading("rpc_p50", 1.08, [1.2, 1.1, 1.08, 0.98, 0.97, 0.99]))


def test_the_largest_move_is_bisected_unless_a_metric_is_named():
    found = [reading("rpc_p50", 1.07), reading("drain_cpu", 0.85), reading("event_p50", 1.01)]
    assert pick(found, None).metric == "drain_cpu"
    assert pick(found, "rpc_p50").metric == "rpc_p50"
    with pytest.raises(LookupError, match="did not move"):
        pick(found, "event_p50")


@pytest.mark.parametrize(("ratio", "bad"), [(1.0, False), (1.02, False), (1.05, True), (1.1, True)])
def test_a_ratio_is_bad_when_nearer_the_step(ratio, bad):
    assert is_bad(ratio, step=1.08) is bad
