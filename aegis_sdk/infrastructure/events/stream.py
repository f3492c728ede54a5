"""The JetStream stream that stores every event, and the consumers that read it."""

from __future__ import annotations

import datetime

from nats.js import api

from ...domain.start_from import ALL, NEW, StartFrom

STREAM_NAME = "AEGIS_EVENTS"
STREAM_SUBJECTS = ["events.>"]
MAX_AGE_SECONDS = 7 * 24 * 3600
MAX_BYTES = 1024**3
DUPLICATE_WINDOW_SECONDS = 120.0

ACK_WAIT_SECONDS = 30.0
MAX_DELIVER = 5
MAX_ACK_PENDING = 1000
NAK_DELAYS_SECONDS = (0.1, 0.5, 1.0, 2.0)
EPHEMERAL_INACTIVE_SECONDS = 60.0


def stream_config(replicas: int = 1, fast_ingest: bool = False) -> api.StreamConfig:
    return api.StreamConfig(
        name=STREAM_NAME,
        subjects=list(STREAM_SUBJECTS),
        retention=api.RetentionPolicy.LIMITS,
        storage=api.StorageType.FILE,
        max_age=MAX_AGE_SECONDS,
        max_bytes=MAX_BYTES,
        discard=api.DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=replicas,
        allow_batched=fast_ingest or None,
    )


def deliver_subject_for(durable: str) -> str:
    return f"_AEGIS.deliver.{durable}"


def consumer_config(
    pattern: str,
    deliver_subject: str,
    durable: str | None,
    max_ack_pending: int,
    start_from: StartFrom = NEW,
) -> api.ConsumerConfig:
    config = api.ConsumerConfig(
        durable_name=durable,
        deliver_subject=deliver_subject,
        deliver_group=durable,
        deliver_policy=api.DeliverPolicy.NEW,
        ack_policy=api.AckPolicy.EXPLICIT,
        ack_wait=ACK_WAIT_SECONDS,
        max_deliver=MAX_DELIVER,
        max_ack_pending=max_ack_pending,
        filter_subject=pattern,
        inactive_threshold=None if durable else EPHEMERAL_INACTIVE_SECONDS,
    )
    start_at(config, start_from)
    return config


def start_at(config: api.ConsumerConfig, start_from: StartFrom) -> None:
    """Set ``config``'s deliver policy (and start time) from ``start_from``."""
    if start_from == NEW:
        config.deliver_policy, config.opt_start_time = api.DeliverPolicy.NEW, None
    elif start_from == ALL:
        config.deliver_policy, config.opt_start_time = api.DeliverPolicy.ALL, None
    else:
        assert isinstance(start_from, datetime.datetime)
        config.deliver_policy = api.DeliverPolicy.BY_START_TIME
        config.opt_start_time = start_from.astimezone(datetime.UTC)


def nak_delay(num_delivered: int) -> float:
    return NAK_DELAYS_SECONDS[min(num_delivered, len(NAK_DELAYS_SECONDS)) - 1]
