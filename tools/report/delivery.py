"""The report's delivery section: a live subscriber, draining a backlog, a restart."""

from __future__ import annotations

from ..presentation import in_ms, in_us, number, ratio
from .results import Results


def delivery_section(res: Results) -> list[str]:
    return [
        "## Delivery to subscribers",
        "",
        "A durable wildcard subscriber in another process: "
        f"{number(res.value('delivery.EventDelivery.track_lost_events'))} events lost; "
        f"end-to-end p50 {in_ms(res.value('delivery.EventDelivery.track_e2e_p50'))} ms, "
        f"p99 {in_ms(res.value('delivery.EventDelivery.track_e2e_p99'))} ms (events "
        "published one at a time).",
        "",
        "Draining a stored backlog of 10,000 events: "
        f"{number(res.rate('delivery.EventDrain.track_time_per_event'))} events/s, "
        f"{in_us(res.value('delivery.EventDrain.track_subscriber_cpu'))} us subscriber CPU "
        "per event; a raw nats-py push consumer that decodes and acks each event is "
        f"{ratio(res.value('delivery.EventDrain.track_raw_over_sdk_rate'))} as fast.",
        "",
        "Restarted amid a backlog of 5,000 behind 50,000 stored events (it starts and stops at "
        "once, events come meanwhile, it starts again): "
        f"{number(res.rate('delivery.EventDrainAfterRestart.track_time_per_event'))} "
        "events/s; the slowest event came "
        f"{in_ms(res.value('delivery.EventDrainAfterRestart.track_slowest_wait'))} ms after "
        "the restart (one pushed while nobody listened would wait the 30 s ack wait).",
    ]
