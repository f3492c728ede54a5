"""Which Python the suite measures with: a version ``X.Y`` resolved to an interpreter for asv.

asv's virtualenv plugin looks up ``pythonX.Y`` on PATH only. A pyenv shim there fails unless
that version is active, and pyenv's other versions are not on PATH at all, so asv is given a
directory of one symlink ``pythonX.Y`` to an interpreter that was checked to run as X.Y.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

from benchmarks.support.asv_layout import LAYOUT, REPO
from benchmarks.support.perf_config import record_python

from .asv_results import pythons_with_results

LINKS = LAYOUT.python_links
VERSION = re.compile(r"^\d+\.\d+$")


def running() -> str:
    """``X.Y`` of this interpreter: the one ./dev runs on (its .venv)."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def for_results(machine: str, *commits: str) -> str:
    """The Python to read the results of ``commits`` with: the record's (perf.toml) when they
    all have results for it, else this one; LookupError naming the Pythons they have."""
    have = set.intersection(*(pythons_with_results(machine, c) for c in commits))
    for python in (record_python(), running()):
        if python in have:
            return python
    named = ", ".join(c[:8] for c in commits)
    raise LookupError(
        f"no results for {named} on machine {machine!r} with Python {record_python()} or "
        f"{running()}"
        + (f" (there are for {', '.join(sorted(have))}: pick one with --python)" if have else "")
    )


def _runs_as(candidate: Path, version: str) -> bool:
    try:
        out = subprocess.run(
            [str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def _pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    if shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def _patch_level(path: Path) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", path.parent.parent.name)
    return tuple(int(n) for n in numbers)


def candidates(version: str) -> list[Path]:
    """Where ``pythonX.Y`` may be, most likely first: the base of this interpreter, PATH,
    then pyenv's versions (newest patch release first)."""
    name = f"python{version}"
    found = [Path(sys.base_prefix) / "bin" / name] if version == running() else []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and Path(folder).resolve() != LINKS.resolve():
            found.append(Path(folder) / name)
    root = _pyenv_root()
    if root is not None:
        found += sorted(root.glob(f"versions/{version}.*/bin/{name}"), key=_patch_level)[::-1]
    return [p for p in found if p.is_file()]


def find(version: str) -> Path:
    """The first interpreter that really runs as ``version``; LookupError if none does."""
    if not VERSION.match(version):
        raise LookupError(f"--python wants a version like 3.13, not {version!r}")
    required = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    if version not in SpecifierSet(required):
        raise LookupError(f"the SDK needs Python {required} (pyproject.toml), not {version}")
    for candidate in candidates(version):
        if _runs_as(candidate, version):
            return candidate
    raise LookupError(
        f"no Python {version} found (looked for python{version} on PATH and in pyenv's "
        "versions): install it or name another with --python X.Y"
    )


def link_dir(version: str, folder: Path = LINKS) -> Path:
    """``folder``, holding ``pythonX.Y`` -> the interpreter found for ``version``."""
    interpreter = find(version)
    folder.mkdir(parents=True, exist_ok=True)
    fresh = folder / f".python{version}.{os.getpid()}"
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(interpreter.resolve())
    fresh.replace(folder / f"python{version}")  # atomic: another run may be reading it
    return folder
