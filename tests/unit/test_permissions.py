"""Permission violations reported by the server: parsed, kept per connection, checked."""

import pytest

from aegis_sdk import PermissionDeniedError
from aegis_sdk.infrastructure.transport.permissions import (
    PermissionWatch,
    parse_violation,
    restore_case,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('nats: permissions violation for publish to "rpc.a.b"', ("publish", "rpc.a.b")),
        ('nats: Permissions Violation for Publish to "RPC.A.B"', ("publish", "rpc.a.b")),
        (
            'nats: permissions violation for subscription to "x.y" using queue "q"',
            ("subscribe", "x.y"),
        ),
        ("nats: 'Authorization Violation'", None),
        ("nats: unexpected EOF", None),
    ],
)
def test_parse_violation(text, expected):
    assert parse_violation(text) == expected


def test_watch_sees_only_violations_after_the_mark():
    watch = PermissionWatch()
    watch.report("publish", "a.b")
    mark = watch.mark()
    assert watch.denied("publish", "a.b")
    assert not watch.denied("publish", "a.b", since=mark)
    watch.report("subscribe", "C.D")
    assert watch.denied("subscribe", "c.d", since=mark)
    assert watch.denied("subscribe", "C.D", since=mark)  # case does not matter
    assert not watch.denied("publish", "c.d", since=mark)
    with pytest.raises(PermissionDeniedError) as info:
        watch.check("subscribe", "C.D", mark)
    assert (info.value.operation, info.value.subject) == ("subscribe", "C.D")
    watch.check("publish", "a.b", mark)  # before the mark: no error


def test_a_repeated_violation_counts_again():
    watch = PermissionWatch()
    watch.report("publish", "a")
    mark = watch.mark()
    watch.report("publish", "a")
    assert watch.denied("publish", "a", since=mark)


def test_watch_notifies_listeners_and_keeps_a_bounded_history():
    watch = PermissionWatch()
    heard = []
    watch.listeners.append(lambda op, subject: heard.append((op, subject)))
    for i in range(1000):
        watch.report("publish", f"s.{i}")
    assert len(heard) == 1000
    assert len(watch._recent) <= 256
    assert watch.denied("publish", "s.999") and not watch.denied("publish", "s.0")


def test_denied_prefix_finds_the_latest_after_the_mark():
    watch = PermissionWatch()
    watch.report("publish", "$js.api.old")
    mark = watch.mark()
    assert watch.denied_prefix("$JS.", mark) is None
    watch.report("publish", "other")
    watch.report("publish", "$js.api.stream.info.aegis_events")
    assert watch.denied_prefix("$JS.", mark) == ("publish", "$js.api.stream.info.aegis_events")


def test_restore_case_gives_the_subject_to_grant():
    reported = "$js.api.consumer.create.aegis_events.my-durable"
    assert restore_case(reported, ["AEGIS_EVENTS"]) == (
        "$JS.API.CONSUMER.CREATE.AEGIS_EVENTS.my-durable"
    )


def test_check_js_api_names_the_subject_to_grant():
    watch = PermissionWatch()
    watch.report("publish", "$js.api.old")
    mark = watch.mark()
    watch.check_js_api(mark, ["AEGIS_EVENTS"])  # before the mark: no error
    watch.report("publish", "$js.api.stream.info.aegis_events")
    with pytest.raises(PermissionDeniedError) as caught:
        watch.check_js_api(mark, ["AEGIS_EVENTS"])
    assert caught.value.operation == "publish"
    assert caught.value.subject == "$JS.API.STREAM.INFO.AEGIS_EVENTS"
