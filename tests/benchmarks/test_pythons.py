"""Which Python measures: a version X.Y resolves to an interpreter that really runs as X.Y,
on PATH or in pyenv's versions, and asv finds it through a directory of one symlink."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools import pythons

REPO = Path(__file__).resolve().parents[2]


def fake_python(path: Path, version: str, works: bool = True) -> Path:
    """A stand-in interpreter that answers the version check (or fails, like a pyenv shim
    of a version that is not active)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n" if works else "#!/bin/sh\nexit 127\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bare(monkeypatch, tmp_path):
    """No pyenv, and a PATH without any Python."""
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return tmp_path


def test_this_python_resolves_and_is_linked_for_asv(tmp_path):
    version = pythons.running()
    folder = pythons.link_dir(version, tmp_path / "links")
    link = folder / f"python{version}"
    out = subprocess.run(
        [link, "-c", "import sys; print(sys.version_info[:2])"],
        text=True,
        capture_output=True,
        check=True,
    )
    assert out.stdout.strip() == str(sys.version_info[:2])


def test_pyenv_versions_count_without_being_on_path(bare):
    fake_python(bare / "no-pyenv" / "versions" / "3.99.1" / "bin" / "python3.99", "3.99")
    newest = fake_python(bare / "no-pyenv" / "versions" / "3.99.10" / "bin" / "python3.99", "3.99")
    assert pythons.find("3.99") == newest


def test_an_inactive_shim_on_path_is_passed_over(bare, monkeypatch):
    shim = fake_python(bare / "shims" / "python3.99", "3.99", works=False)
    real = fake_python(bare / "no-pyenv" / "versions" / "3.99.0" / "bin" / "python3.99", "3.99")
    monkeypatch.setenv("PATH", str(shim.parent))
    assert pythons.find("3.99") == real


def test_a_plain_python_on_path_counts(bare, monkeypatch):
    plain = fake_python(bare / "bin" / "python3.99", "3.99")
    monkeypatch.setenv("PATH", str(plain.parent))
    assert pythons.find("3.99") == plain


def test_a_binary_answering_another_version_does_not_count(bare, monkeypatch):
    liar = fake_python(bare / "bin" / "python3.99", "3.98")
    monkeypatch.setenv("PATH", str(liar.parent))
    with pytest.raises(LookupError):
        pythons.find("3.99")


@pytest.mark.parametrize(
    ("version", "says"),
    [("3.99", "no Python 3.99 found"), ("3.9", ">=3.11"), ("three", "like 3.13")],
)
def test_a_python_that_cannot_be_used_is_one_line_and_status_2(bare, version, says):
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-m", "tools", "pythons", version],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and says in out.stderr


def test_dev_bench_names_a_missing_python_in_one_line(bare):
    out = subprocess.run(
        [str(REPO / "dev"), "bench", "--quick", "--python", "3.99"],
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().splitlines() == [
        "no Python 3.99 found (looked for python3.99 on PATH and in pyenv's versions): "
        "install it or name another with --python X.Y"
    ]
