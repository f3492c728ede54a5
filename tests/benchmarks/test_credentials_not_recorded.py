"""Credentials for an external server come from the environment and are never written into
what a benchmark run leaves behind (the server note beside asv's results)."""

import json

from benchmarks.support.connections import connect_options
from benchmarks.support.server_notes import record_server


def test_server_note_has_no_credentials(tmp_path, monkeypatch):
    monkeypatch.setenv("ASV_COMMIT", "c0ffee" * 6)
    monkeypatch.setenv("ASV_CONF_DIR", str(tmp_path))
    record_server("nats://alice:s3cret-pass@127.0.0.1:1,nats://tok3n@127.0.0.1:2", "external")
    [note] = (tmp_path / ".asv" / "servers").rglob("*.json")
    text = note.read_text()
    assert "s3cret-pass" not in text and "alice" not in text and "tok3n" not in text
    assert json.loads(text)["url"] == "nats://127.0.0.1:1,nats://127.0.0.1:2"


def test_connect_options_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AEGIS_NATS_USER", "alice")
    monkeypatch.setenv("AEGIS_NATS_PASSWORD", "s3cret-pass")
    monkeypatch.delenv("AEGIS_NATS_TOKEN", raising=False)
    monkeypatch.delenv("AEGIS_NATS_CREDS", raising=False)
    assert connect_options() == {"user": "alice", "password": "s3cret-pass"}
