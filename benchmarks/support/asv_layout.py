"""Where the performance record lives in a checkout: the repository, and its ``.asv`` folder
with asv's results and site and what the suite and the tools keep beside them."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class AsvLayout:
    root: Path  # the folder of asv.conf.json

    @property
    def asv(self) -> Path:
        return self.root / ".asv"

    @property
    def results(self) -> Path:
        return self._configured("results_dir", "results")

    @property
    def html(self) -> Path:
        return self._configured("html_dir", "html")

    @property
    def latency_records(self) -> Path:
        """The open-loop benchmarks' latency records, a folder per machine."""
        return self.asv / "latency"

    def latency(self, machine: str) -> Path:
        return self.latency_records / machine

    @property
    def server_notes(self) -> Path:
        """The notes of which server each commit was measured against, a folder per machine."""
        _move_notes(self.asv / "targets", self.asv / "servers")
        return self.asv / "servers"

    def servers(self, machine: str) -> Path:
        return self.server_notes / machine

    def machine_records(self, machine: str) -> list[Path]:
        """Everything recorded under ``machine``: results, latency records, server notes."""
        return [self.results / machine, self.latency(machine), self.servers(machine)]

    @property
    def gate_environments(self) -> Path:
        return self.asv / "gate"

    @property
    def vendor_cache(self) -> Path:
        return self.asv / "vendor"

    @property
    def python_links(self) -> Path:
        return self.asv / "pythons"

    def _configured(self, key: str, default: str) -> Path:
        conf = json.loads((self.root / "asv.conf.json").read_text())
        return self.root / conf.get(key, default)


def _move_notes(old: Path, new: Path) -> None:
    """Server notes used to be kept in ``.asv/targets/``: move them to their own folder,
    keeping a note already there (it is the newer one)."""
    if not old.is_dir():
        return
    for note in sorted(old.glob("*/*.json")):
        moved = new / note.parent.name / note.name
        moved.parent.mkdir(parents=True, exist_ok=True)
        if not moved.exists():
            shutil.move(note, moved)
    shutil.rmtree(old, ignore_errors=True)


LAYOUT = AsvLayout(REPO)
