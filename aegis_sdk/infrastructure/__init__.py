"""Adapters to the outside world: NATS and the wire encodings.

``nats_adapter`` is the message bus the application uses, a face over ``transport`` (the
pooled connections), ``rpc`` and ``events``; ``serialization`` holds the envelope encodings
that RPC and events share.
"""
