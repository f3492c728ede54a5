"""The calling side of RPC: encode the request, wait for the reply on the pool's next
connection, turn transport failures into the SDK's errors."""

from __future__ import annotations

import nats.errors

from ...domain.errors import (
    BusConnectionError,
    PayloadTooLargeError,
    RPCTimeoutError,
    ServiceUnavailableError,
)
from ...domain.models import RPCRequest, RPCResponse, response_from_wire
from ...domain.subjects import rpc_subject
from ..serialization import Format, decode, encode
from ..transport.pool import Pool
from ..transport.request_mux import CONNECTION_TROUBLE


class RPCClient:
    def __init__(self, pool: Pool, serializer: Format) -> None:
        self._pool = pool
        self.serializer = serializer

    async def call(self, request: RPCRequest) -> RPCResponse:
        subject = rpc_subject(request.target, request.method)
        payload = encode(request.to_wire(), self.serializer)
        link = self._pool.pick()
        if len(payload) > link.nc.max_payload:
            raise PayloadTooLargeError(
                f"RPC request to {subject}", len(payload), link.nc.max_payload
            )
        try:
            reply = await link.requests.request(subject, payload, request.timeout)
        except nats.errors.NoRespondersError:
            raise ServiceUnavailableError(request.target, request.method) from None
        except nats.errors.TimeoutError:
            raise RPCTimeoutError(request.target, request.method, request.timeout) from None
        except CONNECTION_TROUBLE as exc:
            raise BusConnectionError(
                f"RPC {request.target}.{request.method}: {link.describe(exc)}"
            ) from None
        wire, _ = decode(reply.data)
        return response_from_wire(wire)
