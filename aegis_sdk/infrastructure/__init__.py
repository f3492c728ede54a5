"""Adapters to the outside world: NATS and the wire encodings."""
