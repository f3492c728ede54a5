"""What the events stream holds, read back with plain nats-py."""

from __future__ import annotations

import asyncio

import nats
import nats.js.errors
from nats.js import api

from aegis_sdk import STREAM_NAME
from aegis_sdk.infrastructure.serialization import decode

UNAVAILABLE_FOR = 10.0  # seconds a read may keep getting "service unavailable"


async def stored_message_ids(url: str, subject: str, **connect) -> list[str]:
    """Every event message_id the stream holds on ``subject``, in stream order."""
    nc = await nats.connect(url, **connect)
    try:
        js = nc.jetstream()
        info = await js.stream_info(STREAM_NAME, subjects_filter=subject)
        expected = (info.state.subjects or {}).get(subject, 0)
        sub = await js.pull_subscribe(
            subject,
            stream=STREAM_NAME,
            config=api.ConsumerConfig(
                deliver_policy=api.DeliverPolicy.ALL,
                ack_policy=api.AckPolicy.NONE,
                inactive_threshold=10,
            ),
        )
        ids: list[str] = []
        give_up = asyncio.get_running_loop().time() + UNAVAILABLE_FOR
        while len(ids) < expected:
            try:
                batch = await sub.fetch(batch=1000, timeout=5)
            except nats.js.errors.ServiceUnavailableError:
                # in a cluster just after a node came back, the new consumer may have no
                # leader for a moment
                if asyncio.get_running_loop().time() > give_up:
                    raise
                await asyncio.sleep(0.25)
                continue
            ids.extend(decode(msg.data)[0]["message_id"] for msg in batch)
        await sub.unsubscribe()
        return ids
    finally:
        await nc.close()
