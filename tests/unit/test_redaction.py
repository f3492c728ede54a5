"""Credentials are masked in every text the SDK writes."""

import pytest

from aegis_sdk.infrastructure.nats_adapter import redact as adapter_redact
from aegis_sdk.infrastructure.transport.redaction import MASK, Redactor, redact, secrets_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nats://u:p@h:4222", "nats://***@h:4222"),
        ("nats://token@h:4222", "nats://***@h:4222"),
        ("tls://a:b@h1:1, nats://c:d@h2:2", "tls://***@h1:1, nats://***@h2:2"),
        ("nats://h:4222", "nats://h:4222"),
        ("no url here", "no url here"),
    ],
)
def test_urls_lose_their_userinfo(text, expected):
    assert redact(text) == expected


def test_the_adapter_keeps_exporting_redact():
    assert adapter_redact is redact


def test_secrets_come_from_urls_and_options():
    found = secrets_of(
        ["nats://alice:s%40cret@h:1", "nats://tok123@h:2", "nats://h:3"],
        {"password": "pw-1", "token": "tk-2", "user": "bob", "nkeys_seed_str": "SU-seed"},
    )
    assert {"alice", "s%40cret", "s@cret", "tok123", "pw-1", "tk-2", "SU-seed"} == set(found)
    assert "bob" not in found  # a user name given as an option is not a secret
    assert list(found) == sorted(found, key=len, reverse=True)  # longest first


def test_non_text_options_are_ignored():
    assert secrets_of([], {"password": None, "token": lambda: "x", "user_credentials": 1}) == ()


def test_redactor_masks_secrets_anywhere():
    redactor = Redactor(["nats://h:1"], {"password": "hunter2", "token": "tok"})
    text = redactor(Exception("auth failed for hunter2 with tok (nats://x:hunter2@h:1)"))
    assert "hunter2" not in text and "tok" not in text
    assert text.count(MASK) == 3


def test_even_a_one_letter_secret_is_masked():
    assert "a" not in Redactor([], {"password": "a"})("a bad day")


def test_a_redactor_without_secrets_only_masks_urls():
    assert Redactor()("nats://u:p@h:1 fine") == "nats://***@h:1 fine"
