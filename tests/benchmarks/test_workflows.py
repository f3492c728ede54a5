"""The GitHub workflows agree with the project: the published record is measured on the
Python perf.toml names, and the tests run on every Python the SDK supports."""

import tomllib
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet

from benchmarks.support.perf_config import record_python

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"


def steps(workflow: str, job: str) -> list[dict]:
    return yaml.safe_load((WORKFLOWS / workflow).read_text())["jobs"][job]["steps"]


def python_of(job_steps: list[dict]) -> str:
    [setup] = [s for s in job_steps if s.get("uses", "").startswith("actions/setup-python")]
    return str(setup["with"]["python-version"])


def test_the_record_is_measured_on_the_record_python():
    history = steps("performance.yml", "history")
    assert python_of(history) == record_python()
    [measure] = [s for s in history if "./dev history" in s.get("run", "")]
    assert f"--python {record_python()}" in measure["run"]
    assert python_of(steps("performance.yml", "gate")) == record_python()


def test_tests_run_on_every_supported_python_up_to_the_record_one():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    tests = yaml.safe_load((WORKFLOWS / "tests.yml").read_text())["jobs"]["test"]
    matrix = tests["strategy"]["matrix"]["python"]
    newest = int(record_python().split(".")[1])
    supported = SpecifierSet(project["requires-python"])
    assert matrix == [f"3.{minor}" for minor in range(newest + 1) if f"3.{minor}" in supported]
    assert python_of(tests["steps"]) == "${{ matrix.python }}"
    assert [s["run"] for s in tests["steps"] if "run" in s] == ["./dev lint", "./dev test -q"]


def test_the_history_is_planned_split_over_a_matrix_and_pushed_to_the_results_branch():
    jobs = yaml.safe_load((WORKFLOWS / "performance.yml").read_text())["jobs"]
    [plan] = [s for s in jobs["plan"]["steps"] if "--plan" in s.get("run", "")]
    assert "./dev history --python 3.13 --plan" in plan["run"]
    history = jobs["history"]
    assert history["needs"] == "plan"
    assert history["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.batches) }}"
    assert history["permissions"]["contents"] == "write"
    [measure] = [s for s in history["steps"] if "./dev history" in s.get("run", "")]
    assert "--commits" in measure["run"] and "--push" in measure["run"]
    publish = jobs["publish"]
    assert set(publish["needs"]) == {"plan", "history"}
    assert any("./dev site" in s.get("run", "") for s in publish["steps"])
