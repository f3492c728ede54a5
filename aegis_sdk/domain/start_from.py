"""Where a new event subscription starts reading the stream: ``start_from``.

- ``"new"`` (the default): only events published after the subscription is first made;
- ``"all"``: every event the stream still holds;
- a timezone-aware ``datetime``: events stored at or after that moment.

It applies when the consumer is created. A durable subscription that already exists goes
on where it stopped, whatever ``start_from`` says, as a Kafka consumer group with a
committed offset does.
"""

from __future__ import annotations

import datetime

from .errors import ValidationError

NEW = "new"
ALL = "all"

StartFrom = str | datetime.datetime


def validate_start_from(value: object, now: datetime.datetime | None = None) -> StartFrom:
    """``value`` if it is ``"new"``, ``"all"`` or an aware ``datetime`` not in the future."""
    if isinstance(value, str):
        if value in (NEW, ALL):
            return value
        raise ValidationError(
            f"start_from must be 'new', 'all' or a timezone-aware datetime, got {value!r:.80}"
        )
    if not isinstance(value, datetime.datetime):
        raise ValidationError(
            "start_from must be 'new', 'all' or a timezone-aware datetime, "
            f"got {type(value).__name__}"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"start_from {value.isoformat()} has no timezone: give one, e.g. "
            "datetime.now(timezone.utc) - timedelta(hours=1)"
        )
    now = now or datetime.datetime.now(datetime.UTC)
    if value > now:
        raise ValidationError(
            f"start_from {value.isoformat()} is in the future: no stored event can be that recent"
        )
    return value
