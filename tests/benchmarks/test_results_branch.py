"""The results branch: what one run uploads is there after a fresh clone; two uploads at
once keep both; a corrupt or cut-short file is refused by name and nothing else is lost."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from tools.results_branch import BRANCH, Store


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def result(commit: str, value: float) -> dict:
    return {
        "commit_hash": commit,
        "python": "3.13",
        "result_columns": ["result"],
        "results": {"rpc.RPCLatency.track_p50": [[value]]},
        "version": 2,
    }


@pytest.fixture
def origin(tmp_path) -> Path:
    """A bare repository with one commit on main, as GitHub would hold it."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git(bare, "symbolic-ref", "HEAD", "refs/heads/main")
    seed = tmp_path / "seed"
    subprocess.run(["git", "clone", "-q", str(bare), str(seed)], check=True)
    (seed / "README").write_text("x\n")
    git(seed, "add", "README")
    git(seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def checkout(origin: Path, where: Path) -> Store:
    subprocess.run(["git", "clone", "-q", str(origin), str(where)], check=True)
    asv = where / ".asv"
    return Store(where, {"results": asv / "results", "latency": asv / "latency"})


def write(store: Store, top: str, name: str, content: object) -> Path:
    path = store.folders[top] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))
    return path


def test_results_uploaded_by_one_run_are_there_after_a_fresh_clone(origin, tmp_path):
    first = checkout(origin, tmp_path / "first")
    write(first, "results", "m1/aaaa1111-py3.13.json", result("aaaa1111", 0.5))
    write(first, "latency", "m1/aaaa1111-py3.13-open-loop-rpc.json", {"levels": [1]})
    commits, problems = first.upload("results of aaaa1111")
    assert (commits, problems) == (1, [])
    assert first.upload("again")[0] == 0  # nothing new: no empty commit

    fresh = checkout(origin, tmp_path / "fresh")
    assert fresh.fetch() is not None
    assert fresh.download() == []
    got = fresh.folders["results"] / "m1/aaaa1111-py3.13.json"
    assert json.loads(got.read_text()) == result("aaaa1111", 0.5)
    assert (fresh.folders["latency"] / "m1/aaaa1111-py3.13-open-loop-rpc.json").exists()
    # the checkout's own files and index are untouched
    assert git(fresh.repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_an_upload_overtaken_by_another_starts_again_and_keeps_both(origin, tmp_path):
    one = checkout(origin, tmp_path / "one")
    two = checkout(origin, tmp_path / "two")
    write(one, "results", "m1/aaaa1111-py3.13.json", result("aaaa1111", 1.0))
    write(two, "results", "m2/bbbb2222-py3.13.json", result("bbbb2222", 2.0))
    # both start from the same (empty) branch; one pushes first
    stale = two.fetch()
    made, _ = two.commit(stale, "two")
    assert one.upload("one")[0] == 1
    assert not two._push(made)  # overtaken: not a fast forward
    commits, _ = two.upload("two")
    assert commits == 1
    fresh = checkout(origin, tmp_path / "fresh")
    fresh.fetch()
    fresh.download()
    assert (fresh.folders["results"] / "m1/aaaa1111-py3.13.json").exists()
    assert (fresh.folders["results"] / "m2/bbbb2222-py3.13.json").exists()


def test_uploads_at_the_same_moment_keep_every_result(origin, tmp_path):
    stores = [checkout(origin, tmp_path / f"c{i}") for i in range(4)]
    for i, store in enumerate(stores):
        write(store, "results", f"m{i}/{i:08d}-py3.13.json", result(f"{i:08d}", float(i)))
    start = threading.Barrier(len(stores))

    def upload(store: Store) -> None:
        start.wait()
        store.upload("concurrent")

    threads = [threading.Thread(target=upload, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fresh = checkout(origin, tmp_path / "fresh")
    fresh.fetch()
    assert fresh.download() == []
    names = sorted(p.name for p in fresh.folders["results"].rglob("*.json"))
    assert names == [f"{i:08d}-py3.13.json" for i in range(4)]


def test_a_corrupt_file_is_refused_by_name_and_nothing_else_is_lost(origin, tmp_path):
    first = checkout(origin, tmp_path / "first")
    write(first, "results", "m1/aaaa1111-py3.13.json", result("aaaa1111", 0.5))
    cut = first.folders["results"] / "m1/cccc3333-py3.13.json"
    cut.write_text(json.dumps(result("cccc3333", 0.7))[:40])  # a crash in mid-write
    commits, problems = first.upload("with a cut-short file")
    assert commits == 1
    assert [p.path for p in problems] == ["results/m1/cccc3333-py3.13.json"]
    assert "not valid JSON" in str(problems[0])

    # a bad file that reached the branch anyway (an older tool, a hand edit)
    push_file(first, "results/m1/dddd4444-py3.13.json", b'{"commit_hash": "dddd4444"}')

    fresh = checkout(origin, tmp_path / "fresh")
    fresh.fetch()
    problems = fresh.download()
    assert [p.path for p in problems] == ["results/m1/dddd4444-py3.13.json"]
    assert "without results, result_columns" in str(problems[0])
    assert (fresh.folders["results"] / "m1/aaaa1111-py3.13.json").exists()
    assert not (fresh.folders["results"] / "m1/dddd4444-py3.13.json").exists()


def push_file(store: Store, path: str, data: bytes) -> None:
    """Put ``data`` on the branch at ``path`` as a plain git client would, unchecked."""
    work = store.repo.parent / "hand-edit"
    git(store.repo, "worktree", "add", "-q", str(work), BRANCH)
    (work / path).write_bytes(data)
    git(work, "add", path)
    git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "hand edit")
    git(work, "push", "-q", "origin", f"HEAD:{BRANCH}")


def test_a_run_uploads_what_it_measured_and_never_an_older_local_copy(origin, tmp_path):
    from tools.results_branch import measured

    first = checkout(origin, tmp_path / "first")
    write(first, "results", "ci/aaaa1111-py3.13.json", result("aaaa1111", 0.5))
    first.upload("first")
    second = checkout(origin, tmp_path / "second")
    second.fetch()
    second.download()
    # the branch gets a newer measurement of aaaa1111; second's copy is now the older one
    write(first, "results", "ci/aaaa1111-py3.13.json", result("aaaa1111", 0.6))
    first.upload("again")
    write(second, "results", "ci/bbbb2222-py3.13.json", result("bbbb2222", 0.7))
    second.upload("bbbb", only=measured({"ci"}, ["bbbb2222" + "0" * 32]))
    fresh = checkout(origin, tmp_path / "fresh")
    fresh.fetch()
    fresh.download()
    got = json.loads((fresh.folders["results"] / "ci/aaaa1111-py3.13.json").read_text())
    assert got == result("aaaa1111", 0.6)
    assert (fresh.folders["results"] / "ci/bbbb2222-py3.13.json").exists()
