"""The report's events section: publish latency, acknowledged throughput, the ack's cost."""

from __future__ import annotations

from .. import markdown
from ..presentation import in_ms, in_us, number, ratio
from .results import Results


def events_section(res: Results) -> list[str]:
    modes = [
        [
            m,
            number(res.rate("events.EventThroughput.track_time_per_event", m)),
            ratio(res.value("events.EventThroughput.track_raw_async_over_sdk_rate", m)),
        ]
        for m in ("serial", "concurrent", "batch")
    ]
    return [
        "## Events (JetStream, file storage)",
        "",
        "Publish latency, one `publish_event` awaiting its ack: "
        f"p50 {in_ms(res.value('events.EventPublishLatency.track_p50'))} ms, "
        f"p99 {in_ms(res.value('events.EventPublishLatency.track_p99'))} ms "
        f"({ratio(res.value('events.EventPublishLatency.track_p50_vs_raw'))} and "
        f"{ratio(res.value('events.EventPublishLatency.track_p99_vs_raw'))} "
        "raw `js.publish`).",
        "",
        "Acknowledged throughput (serial: one at a time; concurrent: 100 in flight; batch: "
        "`publish_events`):",
        "",
        markdown.table(["mode", "events/s", "raw publish_async rate / SDK rate"], modes),
        "",
        "JetStream acknowledgement overhead (raw nats-py, same payload): core publish + flush "
        f"p50 {in_ms(res.value('events.JetStreamAckOverhead.track_core_publish_p50'))} ms, "
        "JetStream publish + ack p50 "
        f"{in_ms(res.value('events.JetStreamAckOverhead.track_jetstream_publish_p50'))} ms: "
        f"{ratio(res.value('events.JetStreamAckOverhead.track_ack_overhead_ratio'))}. "
        "Publisher CPU per event: "
        f"{in_us(res.value('events.EventPublishCPU.track_serial'))} us serial, "
        f"{in_us(res.value('events.EventPublishCPU.track_batch'))} us batched.",
    ]
