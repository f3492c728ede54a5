"""Credentials never appear in what the SDK writes: log lines (every logger, from DEBUG
up), exception messages, reprs and tracebacks, through failed connects, reconnects after a
server restart, timeouts and permission errors. Nor in the figures these tests record."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback

import pytest

from aegis_sdk import AegisError, NATSAdapter, Service
from aegis_sdk.testing import NatsServer, free_port

PASSWORD = "Leak-Pw-7731"
TOKEN = "Leak-Tok-4410"
WRONG = ["Wrong-Pw-5521", "Url-Pw-9912", "Wrong-Tok-3303"]
SECRETS = [PASSWORD, TOKEN, *WRONG]
USERS = {
    "authorization": {
        "users": [
            {
                "user": "svc",
                "password": PASSWORD,
                "permissions": {
                    "publish": {"allow": ["_INBOX.>", "$JS.>", "rpc.leak.>", "events.leak.>"]},
                    "subscribe": {"allow": ["_INBOX.>", "rpc.leak.>"]},
                },
            }
        ]
    }
}


def exception_text(exc: BaseException) -> str:
    return repr(exc) + "".join(traceback.format_exception(exc))


async def test_no_secret_in_logs_or_errors(tmp_path, caplog, figures):
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []

    async def failing(coro) -> None:
        try:
            await coro
        except (AegisError, OSError) as exc:
            errors.append(exception_text(exc))
        else:
            raise AssertionError("expected a failure")

    server = NatsServer(config=json.dumps(USERS)).start()
    try:
        url = server.url
        with_password = url.replace("//", f"//svc:{PASSWORD}@")
        await failing(NATSAdapter().connect(url, user="svc", password=WRONG[0]))
        await failing(NATSAdapter(pool_size=2).connect(url.replace("//", f"//svc:{WRONG[1]}@")))
        await failing(
            NATSAdapter().connect(
                f"nats://svc:{PASSWORD}@127.0.0.1:{free_port()}", initial_connect_timeout=0.5
            )
        )

        for servers, options in ((with_password, {}), (url, {"user": "svc", "password": PASSWORD})):
            bus = NATSAdapter(pool_size=2, publish_timeout=0.5)
            await bus.connect(servers, **options)
            svc = Service("leak", bus)
            svc.rpc("echo")(lambda params: params)
            await svc.start()
            await failing(svc.call_rpc("forbidden", "x", timeout=1))
            await failing(svc.publish_event("forbidden", "x"))
            server.kill()
            await failing(svc.call_rpc("leak", "echo", timeout=0.3))
            await failing(svc.publish_event("leak", "x"))
            server.start()
            for _ in range(200):
                if all(nc.is_connected for nc in bus._conns):
                    break
                await asyncio.sleep(0.02)
            assert await svc.call_rpc("leak", "echo", {"ok": 1}, timeout=2) == {"ok": 1}
            await svc.stop()
            await bus.disconnect()
        server_log = server.log_path.read_text(errors="replace")
    finally:
        server.stop()

    with NatsServer(config=json.dumps({"authorization": {"token": TOKEN}})) as token_server:
        await failing(NATSAdapter().connect(token_server.url, token=WRONG[2]))
        await failing(NATSAdapter().connect(token_server.url.replace("//", f"//{WRONG[2]}@")))
        bus = NATSAdapter()
        await bus.connect(token_server.url, token=TOKEN)
        await bus.disconnect()

    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = [formatter.format(record) for record in caplog.records]
    recorded = figures.record(
        "credentials_not_leaked",
        log_lines_checked=len(lines),
        errors_checked=len(errors),
        secrets=len(SECRETS),
    )
    written = json.dumps(recorded)
    for secret in SECRETS:
        for text in [*lines, *errors, written]:
            assert secret not in text, f"a credential leaked into: {text[:300]}"
        assert secret not in server_log
    assert any("//***@" in text for text in [*lines, *errors]), "URLs are shown, masked"
    assert len(errors) >= 10 and any("reconnect" in line for line in lines)


@pytest.mark.parametrize("secret", ["a", "pa ss", "p@ss/w:rd%40"])
async def test_odd_passwords_are_masked_too(secret):
    url = f"nats://user:{secret}@127.0.0.1:{free_port()}"
    with pytest.raises(AegisError) as info:
        await NATSAdapter().connect(url, initial_connect_timeout=0.3)
    assert f":{secret}@" not in exception_text(info.value)
