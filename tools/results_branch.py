"""The record's results kept on a branch of this repository made for them, so that no
result is lost with a cache, a machine or a clone (as the asv records of pandas and numpy
keep theirs in a repository of their own).

The branch (``perf-results``) holds nothing but results, laid out as under ``.asv``:
asv's result files, the latency artifacts the site draws from and the notes on the server
each commit was measured against. ``download`` brings what the branch holds into ``.asv``
(adding and updating, never deleting); ``upload`` commits what ``.asv`` holds that the
branch does not, on top of the branch's newest commit, and pushes it. Two uploads at once
cannot drop each other's results: a push that was overtaken is rejected (it is not a fast
forward), and the upload starts again from the newer commit, so both sets of files end up
on the branch. Files are written with git's plumbing (a private index), so neither the
working tree nor the index of the checkout is touched.

A file that is not valid JSON (cut short by a crash, say) is refused with an error that
names it; every other file is still taken.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

BRANCH = "perf-results"
REMOTE = "origin"
PUSH_ATTEMPTS = 8


@dataclass(frozen=True)
class Problem:
    path: str  # as on the branch
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}; left out, every other file was taken"


class Store:
    """The results branch of the repository at ``repo``; ``folders`` maps each top folder
    on the branch to the local folder it mirrors."""

    def __init__(self, repo: Path, folders: Mapping[str, Path], remote: str = REMOTE) -> None:
        self.repo = repo
        self.folders = dict(folders)
        self.remote = remote

    # -- git ---------------------------------------------------------------------------

    def _git(self, *args: str, stdin: bytes | None = None, env: dict | None = None) -> bytes:
        return subprocess.run(
            ["git", "-C", str(self.repo), *args],
            input=stdin,
            capture_output=True,
            check=True,
            env={**os.environ, **(env or {})},
        ).stdout

    def _tip(self, ref: str) -> str | None:
        try:
            return (
                self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
            )
        except subprocess.CalledProcessError:
            return None

    @property
    def remote_ref(self) -> str:
        return f"refs/remotes/{self.remote}/{BRANCH}"

    def has_remote(self) -> bool:
        return self.remote in self._git("remote").decode().split()

    def fetch(self) -> str | None:
        """The remote branch's newest commit, fetched; None when there is none yet."""
        if not self.has_remote():
            return self._tip(f"refs/heads/{BRANCH}")
        try:
            self._git("fetch", "--quiet", self.remote, f"+refs/heads/{BRANCH}:{self.remote_ref}")
        except subprocess.CalledProcessError as exc:
            if b"couldn't find remote ref" in exc.stderr:
                return None
            raise
        tip = self._tip(self.remote_ref)
        if tip is not None:  # the local branch follows the remote one
            self._git("update-ref", f"refs/heads/{BRANCH}", tip)
        return tip

    # -- reading -----------------------------------------------------------------------

    def files(self, commit: str) -> dict[str, str]:
        """Path -> blob id of every file on the branch at ``commit``."""
        listing = self._git("ls-tree", "-r", "-z", commit).split(b"\0")
        out = {}
        for entry in filter(None, listing):
            meta, path = entry.split(b"\t", 1)
            out[path.decode()] = meta.split()[2].decode()
        return out

    def _blobs(self, ids: list[str]) -> Iterator[bytes]:
        """The contents of ``ids``, in order, read in one git process."""
        if not ids:
            return
        data = self._git("cat-file", "--batch", stdin="".join(f"{i}\n" for i in ids).encode())
        pos = 0
        for _ in ids:
            header_end = data.index(b"\n", pos)
            size = int(data[pos:header_end].split()[2])
            start = header_end + 1
            yield data[start : start + size]
            pos = start + size + 1

    def download(self, commit: str | None = None) -> list[Problem]:
        """Write every file of the branch (at ``commit``, default its newest) into the local
        folders, where missing or different; return the files refused."""
        commit = commit or self._tip(f"refs/heads/{BRANCH}")
        if commit is None:
            return []
        listing = {p: b for p, b in self.files(commit).items() if self._local(p) is not None}
        problems = []
        for (path, _), data in zip(
            listing.items(), self._blobs(list(listing.values())), strict=True
        ):
            reason = invalid(path, data)
            if reason:
                problems.append(Problem(path, reason))
                continue
            local = self._local(path)
            if not local.exists() or local.read_bytes() != data:
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_bytes(data)
        return problems

    def _local(self, path: str) -> Path | None:
        top, _, rest = path.partition("/")
        folder = self.folders.get(top)
        return folder / rest if folder is not None and rest else None

    # -- writing -----------------------------------------------------------------------

    def local_files(self) -> Iterator[tuple[str, Path]]:
        """Every record file under the local folders; a machine's ``machine.json`` only
        where that machine has results (a smoke run registers one and keeps none)."""
        for top, folder in self.folders.items():
            if folder.is_dir():
                for path in sorted(folder.rglob("*.json")):
                    if path.name == "machine.json" and len(list(path.parent.glob("*.json"))) < 2:
                        continue
                    yield f"{top}/{path.relative_to(folder).as_posix()}", path

    def commit(
        self, parent: str | None, message: str, only: Callable[[str], bool] | None = None
    ) -> tuple[str | None, list[Problem]]:
        """A commit on top of ``parent`` holding every local file (of those ``only`` admits)
        that the branch lacks or holds otherwise; None when there is nothing new."""
        present = self.files(parent) if parent else {}
        problems: list[Problem] = []
        changed: list[tuple[str, bytes]] = []
        for path, local in self.local_files():
            if only is not None and not only(path):
                continue
            data = local.read_bytes()
            reason = invalid(path, data)
            if reason:
                problems.append(Problem(path, reason))
            elif present.get(path) != self._blob_id(data):
                changed.append((path, data))
        if not changed:
            return None, problems
        with tempfile.TemporaryDirectory() as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self._git("read-tree", *([parent] if parent else ["--empty"]), env=env)
            for path, data in changed:
                blob = self._git("hash-object", "-w", "--stdin", stdin=data).decode().strip()
                self._git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = self._git("write-tree", env=env).decode().strip()
        parents = ["-p", parent] if parent else []
        made = self._git("commit-tree", tree, *parents, "-m", message, env=_AUTHOR).decode().strip()
        return made, problems

    def _blob_id(self, data: bytes) -> str:
        return self._git("hash-object", "--stdin", stdin=data).decode().strip()

    def upload(
        self, message: str, *, push: bool = True, only: Callable[[str], bool] | None = None
    ) -> tuple[int, list[Problem]]:
        """Commit what is new locally (of the files ``only`` admits: a run uploads what it
        measured, so that an older local copy never replaces a newer result) onto the
        branch, and push it; return how many commits it took (0: nothing new) and the local
        files refused."""
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            tip = self.fetch() if push and self.has_remote() else self._tip(f"refs/heads/{BRANCH}")
            made, problems = self.commit(tip, message, only)
            if made is None:
                return 0, problems
            if not (push and self.has_remote()) or self._push(made):
                self._git("update-ref", f"refs/heads/{BRANCH}", made)
                return attempt, problems
        raise RuntimeError(f"{BRANCH}: {PUSH_ATTEMPTS} pushes were overtaken by others; try again")

    def _push(self, commit: str) -> bool:
        """False when another push got there first (not a fast forward)."""
        try:
            self._git("push", "--quiet", self.remote, f"{commit}:refs/heads/{BRANCH}")
        except subprocess.CalledProcessError as exc:
            text = exc.stderr.decode(errors="replace")
            if "rejected" in text or "fetch first" in text or "non-fast-forward" in text:
                return False
            raise
        return True


_AUTHOR = {
    "GIT_AUTHOR_NAME": "aegis performance record",
    "GIT_AUTHOR_EMAIL": "perf-record@localhost",
    "GIT_COMMITTER_NAME": "aegis performance record",
    "GIT_COMMITTER_EMAIL": "perf-record@localhost",
}


def invalid(path: str, data: bytes) -> str | None:
    """Why ``data`` cannot be the file ``path`` of the record, or None."""
    try:
        content = json.loads(data)
    except ValueError as exc:
        return f"not valid JSON ({exc}), perhaps cut short"
    if not isinstance(content, dict):
        return "not a JSON object"
    name = path.rsplit("/", 1)[-1]
    if path.startswith("results/") and name not in ("benchmarks.json", "machine.json"):
        missing = [k for k in ("commit_hash", "results", "result_columns") if k not in content]
        if missing:
            return f"an asv result file without {', '.join(missing)}"
    return None


def report(problems: Iterable[Problem], where: str) -> int:
    """Print the refused files (on stderr); 1 if there were any."""
    problems = list(problems)
    for problem in problems:
        print(f"{where}: refused {problem}", file=sys.stderr, flush=True)
    return 1 if problems else 0


def take_branch() -> int:
    """Fetch the results branch and take what it holds into ``.asv``; 1 if a file was
    refused (each named on stderr), else 0."""
    store = local_store()
    store.fetch()
    return report(store.download(), "results branch")


def local_store() -> Store:
    """This checkout's results branch, mirroring asv's results, the latency records and the
    server notes under ``.asv``."""
    from benchmarks.support.asv_layout import LAYOUT

    return Store(
        LAYOUT.root,
        {
            "results": LAYOUT.results,
            "latency": LAYOUT.latency_records,
            "servers": LAYOUT.server_notes,
        },
    )


def measured(machines: set[str], commits: list[str]) -> Callable[[str], bool]:
    """The branch paths of what a run measured: the result files, latency records and
    server notes of ``commits`` on ``machines``, their ``machine.json`` and asv's
    ``benchmarks.json``."""
    prefixes = tuple(c[:8] for c in commits)

    def admitted(path: str) -> bool:
        parts = path.split("/")
        if parts == ["results", "benchmarks.json"]:
            return True
        if len(parts) != 3 or parts[1] not in machines:
            return False
        return parts[2] == "machine.json" or parts[2].startswith(prefixes)

    return admitted
