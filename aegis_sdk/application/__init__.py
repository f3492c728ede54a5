"""The application layer: the ``Service`` users write."""

from .service import Service

__all__ = ["Service"]
