"""What the events stream holds, read back with plain nats-py."""

from __future__ import annotations

import nats
from nats.js import api

from aegis_sdk import STREAM_NAME
from aegis_sdk.infrastructure.serialization import decode


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
        while len(ids) < expected:
            for msg in await sub.fetch(batch=1000, timeout=5):
                ids.append(decode(msg.data)[0]["message_id"])
        await sub.unsubscribe()
        return ids
    finally:
        await nc.close()
