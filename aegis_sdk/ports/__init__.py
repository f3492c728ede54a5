"""Interfaces the application depends on."""

from .message_bus import EventHandler, MessageBus, RequestHandler, Subscription

__all__ = ["EventHandler", "MessageBus", "RequestHandler", "Subscription"]
