"""RPC over core NATS: the calling side, and serving a method within its limits."""
