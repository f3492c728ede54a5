"""The site's check asks for the baseline marker only when the baseline has results: a
record started from one commit (``./dev history --commits``) has no point to mark."""

from tools.site.build import TAG, marker_to_check

BASELINE = "c8f8b9d0" + "0" * 32


def test_the_marker_is_checked_once_the_baseline_has_results(tmp_path):
    machine = tmp_path / "ci-runner"
    machine.mkdir()
    (machine / "1026960a-virtualenv-py3.13.json").write_text("{}")
    assert marker_to_check(BASELINE, tmp_path) is None
    (machine / "c8f8b9d0-virtualenv-py3.13.json").write_text("{}")
    assert marker_to_check(BASELINE, tmp_path) == TAG
