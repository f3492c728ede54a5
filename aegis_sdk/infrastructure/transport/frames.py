"""Writing NATS protocol frames straight into nats-py's outgoing buffer.

``Client.publish`` validates the subject, builds the frame from an f-string, counts, then
kicks the flusher: about 3 us a message in Python, which on a busy core decides how many
requests a second a process serves. On the hot paths (RPC requests and replies, events one
by one and in fast-ingest batches) the SDK builds the frame itself and hands it over with
``Client._send_command``, the call ``publish`` itself ends in, then kicks the flusher the
same way; an RPC reply goes into the buffer with ``push``, without awaiting, when nothing
has to wait. A frame with nothing before or after it (one call in flight, one request
read) goes to the socket with ``write_now``, a loop pass before the flusher would write
it. The subjects there are the SDK's own (validated names, its inbox) or the server's (a
reply subject), and payload sizes are checked before. While the connection is down,
``Client.publish`` itself is used, so its buffering limits and errors apply.
"""

from __future__ import annotations

from nats.aio.client import Client

MSG_ID = "Nats-Msg-Id"


def pub_frame(subject: str, reply: str, payload: bytes) -> bytes:
    if reply:
        head = f"PUB {subject} {reply} {len(payload)}\r\n"
    else:
        head = f"PUB {subject} {len(payload)}\r\n"
    return head.encode() + payload + b"\r\n"


def hpub_frame(subject: str, reply: str, payload: bytes, msg_id: str) -> bytes:
    """One HPUB frame whose only header is ``Nats-Msg-Id``."""
    header = b"NATS/1.0\r\nNats-Msg-Id: " + msg_id.encode() + b"\r\n\r\n"
    size = len(header)
    target = f"{subject} {reply}" if reply else subject
    return f"HPUB {target} {size} {size + len(payload)}\r\n".encode() + header + payload + b"\r\n"


def ready(nc: Client) -> bool:
    """Frames may go straight into the buffer: connected, not closing or draining."""
    return nc.is_connected and not nc.is_draining_pubs


async def send(nc: Client, data: bytes, messages: int = 1) -> None:
    """Hand one or more ready-made frames to the client, as ``publish`` does."""
    nc.stats["out_msgs"] += messages
    nc.stats["out_bytes"] += len(data)
    await nc._send_command(data)
    if nc._flush_queue is not None and nc._flush_queue.empty():
        await nc._flush_pending()


def push(nc: Client, data: bytes) -> bool:
    """One ready-made frame into the outgoing buffer without awaiting, as ``send`` does when
    nothing has to wait; False, with nothing sent, when something would have to: not
    ``ready``, the buffer at its limit (``_send_command`` would flush and wait), or no
    flusher running. The caller then sends it with ``send`` or ``Client.publish``."""
    size = len(data)
    flusher = nc._flusher_task
    if (
        not ready(nc)
        or nc._pending_data_size + size > nc._max_pending_size
        or flusher is None
        or flusher.done()
    ):
        return False
    nc._pending.append(data)
    nc._pending_data_size += size
    nc.stats["out_msgs"] += 1
    nc.stats["out_bytes"] += size
    kick = nc._flush_queue
    if kick is not None and kick.empty():
        kick.put_nowait(flusher.get_loop().create_future())
    return True


def write_now(nc: Client, data: bytes) -> bool:
    """One ready-made frame to the socket at once, when nothing waits to be written before
    it: neither in nats-py's buffer nor in the socket's; False, with nothing sent, otherwise
    (or on a transport other than TCP). For a frame with no other in sight only: written
    one by one, frames that the flusher would have joined each cost a system call."""
    if nc._pending or not ready(nc):
        return False
    writer = getattr(nc._transport, "_io_writer", None)
    if writer is None or writer.transport.get_write_buffer_size():
        return False
    writer.write(data)
    nc.stats["out_msgs"] += 1
    nc.stats["out_bytes"] += len(data)
    return True


async def publish(
    nc: Client,
    subject: str,
    payload: bytes,
    reply: str = "",
    msg_id: str = "",
    *,
    alone: bool = False,
) -> None:
    """A core publish, with a ``Nats-Msg-Id`` header when ``msg_id`` is given: a frame of
    our own while connected, ``Client.publish`` otherwise. ``alone``: no other frame is
    expected soon, so it may go out with ``write_now``."""
    if ready(nc):
        if msg_id:
            frame = hpub_frame(subject, reply, payload, msg_id)
        else:
            frame = pub_frame(subject, reply, payload)
        if not (alone and write_now(nc, frame)):
            await send(nc, frame)
    else:
        headers = {MSG_ID: msg_id} if msg_id else None
        await nc.publish(subject, payload, reply=reply, headers=headers)
