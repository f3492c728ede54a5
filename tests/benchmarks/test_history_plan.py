"""./dev history --plan: the commits due in batches of about equal size, none larger than
asked, in order, every commit once."""

import pytest

from tools.commands.history import plan


@pytest.mark.parametrize(("due", "per_batch"), [(0, 10), (1, 10), (10, 10), (11, 10), (35, 10)])
def test_batches(due, per_batch):
    commits = [f"c{i}" for i in range(due)]
    batches = [b.split(",") for b in plan(commits, per_batch)]
    assert [c for b in batches for c in b] == commits
    assert all(len(b) <= per_batch for b in batches)
    if batches:
        assert max(map(len, batches)) - min(map(len, batches)) <= 1 or len(batches) == 1
