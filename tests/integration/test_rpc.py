"""RPC over a real nats-server: Service.call_rpc and NATSAdapter.call_rpc."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from aegis_sdk import (
    AegisError,
    RemoteError,
    RPCRequest,
    RPCTimeoutError,
    Service,
    ServiceUnavailableError,
    ValidationError,
)
from aegis_sdk.infrastructure.serialization import decode
from aegis_sdk.infrastructure.transport.link import sync

from .conftest import wait_for


def calculator(name, bus, **kwargs) -> Service:
    svc = Service(name, bus, **kwargs)

    @svc.rpc("add")
    def add(params):  # a sync handler
        return params["a"] + params["b"]

    @svc.rpc("mul")
    async def mul(params):  # an async handler
        await asyncio.sleep(0)
        return params["a"] * params["b"]

    @svc.rpc("fail")
    def fail(params):
        raise ValueError(f"bad input {params.get('n')}")

    @svc.rpc("afail")
    async def afail(params):
        raise KeyError("no such order")

    @svc.rpc("invalid")
    def invalid(params):
        raise ValidationError("quantity must be positive")

    @svc.rpc("echo")
    async def echo(params):
        return params

    return svc


async def test_sync_and_async_handlers_via_service(bus, start, unique):
    await start(calculator(unique, bus))
    client = Service(f"{unique}-client", bus)
    assert await client.call_rpc(unique, "add", {"a": 2, "b": 3}) == 5
    assert await client.call_rpc(unique, "mul", {"a": 4, "b": 5}) == 20
    assert await client.call_rpc(unique, "add", {"a": 2.5, "b": -1}) == 1.5


async def test_results_of_every_shape_come_back(bus, start, unique):
    await start(calculator(unique, bus))
    client = Service(f"{unique}-client", bus)
    params = {"s": "héllo", "n": None, "l": [1, [2, {"x": True}]], "f": 0.5, "big": 2**40}
    assert await client.call_rpc(unique, "echo", params) == params
    assert await client.call_rpc(unique, "echo") == {}


async def test_call_via_adapter_keeps_ids(bus, start, unique):
    await start(calculator(unique, bus))
    request = RPCRequest(unique, "add", {"a": 1, "b": 1}, source="a-client")
    response = await bus.call_rpc(request)
    assert response.success is True
    assert response.result == 2
    assert response.error is None
    assert response.correlation_id == request.correlation_id
    assert response.trace_id == request.trace_id
    assert response.message_id != request.message_id
    assert response.source.startswith(unique)  # the serving instance


async def test_two_services_on_one_bus_call_each_other(bus, start, unique):
    a = Service(f"{unique}-a", bus)
    b = Service(f"{unique}-b", bus)

    @a.rpc("ping")
    async def ping(params):
        return "pong:" + await a.call_rpc(f"{unique}-b", "name")

    @b.rpc("name")
    def name(params):
        return b.instance_id

    await start(a)
    await start(b)
    assert await b.call_rpc(f"{unique}-a", "ping") == f"pong:{b.instance_id}"


async def test_request_carries_default_timeout_and_source(bus, nc, start, unique):
    await start(calculator(unique, bus))
    seen: list[bytes] = []

    async def spy_cb(msg):
        seen.append(msg.data)

    spy = await nc.subscribe(f"rpc.{unique}.add", cb=spy_cb)
    await sync(nc)
    client = Service(f"{unique}-client", bus, instance_id="client-7")
    assert await client.call_rpc(unique, "add", {"a": 1, "b": 2}) == 3
    await wait_for(lambda: seen)
    await spy.unsubscribe()
    wire, fmt = decode(seen[0])
    assert fmt == "msgpack"
    assert wire["timeout"] == 5.0
    assert wire["source"] == "client-7"
    assert (wire["target"], wire["method"], wire["params"]) == (unique, "add", {"a": 1, "b": 2})
    assert RPCRequest(unique, "add").timeout == 5.0


async def test_slow_handler_times_out_and_is_cancelled(bus, start, unique):
    svc = Service(unique, bus)
    cancelled = asyncio.Event()

    @svc.rpc("slow")
    async def slow(params):
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    await start(svc)
    client = Service(f"{unique}-client", bus)
    with pytest.raises(RPCTimeoutError) as info:
        await client.call_rpc(unique, "slow", timeout=0.3)
    exc = info.value
    assert isinstance(exc, TimeoutError) and isinstance(exc, AegisError)
    assert (exc.target, exc.method, exc.timeout) == (unique, "slow", 0.3)
    await asyncio.wait_for(cancelled.wait(), 2)  # the service gave up at the deadline too

    with pytest.raises(RPCTimeoutError):
        await bus.call_rpc(RPCRequest(unique, "slow", {}, 0.3))


async def test_a_handler_with_its_own_timeout_times_out_alone(bus, start, unique):
    """``asyncio.timeout`` in a handler cancels that handler only, never the connection's
    reader: the service goes on answering."""
    svc = Service(unique, bus)

    @svc.rpc("bounded")
    async def bounded(params):
        try:
            async with asyncio.timeout(0.05):
                await asyncio.sleep(10)
        except TimeoutError:
            return "gave up"
        return "slept"

    await start(svc)
    client = Service(f"{unique}-client", bus)
    assert await client.call_rpc(unique, "bounded", timeout=3) == "gave up"
    await asyncio.sleep(0.1)  # past the handler's own deadline
    assert await client.call_rpc(unique, "bounded", timeout=3) == "gave up"


async def test_handlers_that_finished_leave_nothing_in_the_deadline_watch(bus, start, unique):
    """A handler that waited is watched for its deadline until it ends, not until the
    deadline: otherwise every such request stays in memory after its reply."""
    svc = Service(unique, bus)

    @svc.rpc("waits")
    async def waits(params):
        await asyncio.sleep(0)
        return params["n"]

    await start(svc)
    client = Service(f"{unique}-client", bus)
    results = await asyncio.gather(*(client.call_rpc(unique, "waits", {"n": n}) for n in range(50)))
    assert results == list(range(50))
    watch = bus._deadlines
    await wait_for(lambda: not watch._deadlines)
    assert not watch._expired


async def test_nobody_listening_fails_at_once(bus, unique):
    client = Service(f"{unique}-client", bus)
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(ServiceUnavailableError) as info:
        await client.call_rpc(f"{unique}-nobody", "add", {"a": 1}, timeout=5)
    assert loop.time() - began < 2, "waited for the timeout instead of failing at once"
    assert (info.value.target, info.value.method) == (f"{unique}-nobody", "add")
    assert not isinstance(info.value, TimeoutError)

    began = loop.time()
    with pytest.raises(ServiceUnavailableError):
        await bus.call_rpc(RPCRequest(f"{unique}-nobody", "add", {}, 5))
    assert loop.time() - began < 2


async def test_unregistered_method_of_a_running_service_is_unavailable(bus, start, unique):
    await start(calculator(unique, bus))
    with pytest.raises(ServiceUnavailableError):
        await Service(f"{unique}-c", bus).call_rpc(unique, "divide", timeout=5)


@pytest.mark.parametrize(
    ("method", "error_type", "message"),
    [
        ("fail", "ValueError", "bad input 3"),
        ("afail", "KeyError", "'no such order'"),
        ("invalid", "ValidationError", "quantity must be positive"),
    ],
)
async def test_handler_error_comes_back_as_remote_error(
    bus, start, unique, method, error_type, message
):
    await start(calculator(unique, bus))
    client = Service(f"{unique}-client", bus)
    with pytest.raises(RemoteError) as info:
        await client.call_rpc(unique, method, {"n": 3})
    exc = info.value
    assert exc.error_type == error_type
    assert exc.remote_message == message
    assert (exc.target, exc.method) == (unique, method)
    assert error_type in str(exc) and message in str(exc)
    assert not isinstance(exc, ValidationError)  # a remote failure, not a local one

    response = await bus.call_rpc(RPCRequest(unique, method, {"n": 3}))
    assert response.success is False
    assert response.error == {"type": error_type, "message": message}

    # the service keeps serving after errors
    assert await client.call_rpc(unique, "add", {"a": 1, "b": 1}) == 2
    for _ in range(3):
        with pytest.raises(RemoteError):
            await client.call_rpc(unique, method, {"n": 3})
    assert await client.call_rpc(unique, "mul", {"a": 3, "b": 3}) == 9


async def test_handler_bug_in_params_access_is_a_remote_error(bus, start, unique):
    await start(calculator(unique, bus))
    client = Service(f"{unique}-client", bus)
    with pytest.raises(RemoteError) as info:
        await client.call_rpc(unique, "add", {"a": 1})  # no "b"
    assert info.value.error_type == "KeyError"
    assert await client.call_rpc(unique, "add", {"a": 1, "b": 0}) == 1


async def test_unencodable_result_is_a_remote_error(bus, start, unique):
    svc = Service(unique, bus)

    @svc.rpc("weird")
    def weird(params):
        return {"obj": object()}

    await start(svc)
    with pytest.raises(RemoteError) as info:
        await Service(f"{unique}-c", bus).call_rpc(unique, "weird", timeout=2)
    assert info.value.error_type == "SerializationError"


async def test_queue_group_shares_calls_between_instances(make_bus, bus, start, unique):
    served: Counter[str] = Counter()
    instances = []
    for i in range(3):
        svc = Service(unique, await make_bus(), instance_id=f"{unique}-{i}")

        @svc.rpc("whoami")
        async def whoami(params, svc=svc):
            served[svc.instance_id] += 1
            await asyncio.sleep(0)
            return svc.instance_id

        instances.append(await start(svc))

    client = Service(f"{unique}-client", bus)
    answers = await asyncio.gather(*(client.call_rpc(unique, "whoami") for _ in range(90)))
    assert len(answers) == 90
    assert Counter(answers) == served
    assert sum(served.values()) == 90  # each call answered exactly once
    assert set(served) == {s.instance_id for s in instances}  # every instance got a share


async def test_stopped_instance_gets_no_more_calls(make_bus, bus, start, unique):
    a = calculator(unique, await make_bus(), instance_id=f"{unique}-a")
    b = calculator(unique, await make_bus(), instance_id=f"{unique}-b")
    await start(a)
    await start(b)
    await a.stop()
    assert not a.is_running and b.is_running
    client = Service(f"{unique}-client", bus)
    for _ in range(10):
        request = RPCRequest(unique, "add", {"a": 1, "b": 2})
        response = await client.bus.call_rpc(request)
        assert response.source == f"{unique}-b"
    await b.stop()
    with pytest.raises(ServiceUnavailableError):
        await client.call_rpc(unique, "add", {"a": 1, "b": 2})


async def test_pool_adapter_round_robins(make_bus, bus, start, unique):
    pool = await make_bus(pool_size=3)
    assert pool.is_connected
    conns = list(pool._conns)
    assert len(conns) == 3 and len({id(c) for c in conns}) == 3
    await start(calculator(unique, bus))

    before = [c.stats["out_msgs"] for c in conns]
    client = Service(f"{unique}-client", pool)
    for i in range(30):
        assert await client.call_rpc(unique, "add", {"a": i, "b": 1}) == i + 1
    sent = [c.stats["out_msgs"] - b for c, b in zip(conns, before, strict=True)]
    assert sent == [10, 10, 10]


async def test_pool_adapter_serves_and_calls(make_bus, unique):
    pool = await make_bus(pool_size=3)
    svc = calculator(unique, pool)
    await svc.start()
    try:
        answers = await asyncio.gather(
            *(svc.call_rpc(unique, "mul", {"a": i, "b": 2}) for i in range(30))
        )
        assert answers == [2 * i for i in range(30)]
    finally:
        await svc.stop()


@pytest.mark.parametrize(("server_fmt", "client_fmt"), [("msgpack", "json"), ("json", "msgpack")])
async def test_json_and_msgpack_adapters_interoperate(make_bus, nc, unique, server_fmt, client_fmt):
    server_bus = await make_bus(serializer=server_fmt)
    client_bus = await make_bus(serializer=client_fmt)
    svc = calculator(unique, server_bus)
    await svc.start()
    seen: list[bytes] = []

    async def spy_cb(msg):
        seen.append(msg.data)

    spy = await nc.subscribe(f"rpc.{unique}.*", cb=spy_cb)
    await sync(nc)
    try:
        client = Service(f"{unique}-client", client_bus)
        assert await client.call_rpc(unique, "add", {"a": 40, "b": 2}) == 42
        params = {"t": "ü", "l": [1.5]}
        assert await client.call_rpc(unique, "echo", params) == params
        with pytest.raises(RemoteError) as info:
            await client.call_rpc(unique, "fail", {"n": 1})
        assert info.value.error_type == "ValueError"
        await wait_for(lambda: len(seen) == 3)
        assert {decode(data)[1] for data in seen} == {client_fmt}
    finally:
        await spy.unsubscribe()
        await svc.stop()


async def test_service_restart_serves_again(bus, unique):
    svc = calculator(unique, bus)
    client = Service(f"{unique}-client", bus)
    await svc.start()
    await svc.start()  # idempotent
    assert await client.call_rpc(unique, "add", {"a": 1, "b": 1}) == 2
    await svc.stop()
    with pytest.raises(ServiceUnavailableError):
        await client.call_rpc(unique, "add", {"a": 1, "b": 1})
    await svc.start()
    try:
        assert await client.call_rpc(unique, "add", {"a": 2, "b": 2}) == 4
    finally:
        await svc.stop()


async def test_invalid_call_arguments_fail_locally(bus, unique):
    client = Service(f"{unique}-client", bus)
    with pytest.raises(ValidationError):
        await client.call_rpc("bad.name", "add")
    with pytest.raises(ValidationError):
        await client.call_rpc(unique, "add", timeout=0)
    with pytest.raises(ValidationError):
        await client.call_rpc(unique, "add", params=[1, 2])


def test_duplicate_method_registration_is_rejected(unique):
    from aegis_sdk import NATSAdapter

    svc = Service(unique, NATSAdapter())
    svc.rpc("add")(lambda p: 1)
    with pytest.raises(ValidationError, match="already registered"):
        svc.rpc("add")(lambda p: 2)


async def test_calls_before_connect_fail_cleanly(unique):
    from aegis_sdk import BusConnectionError, NATSAdapter

    with pytest.raises(BusConnectionError):
        await Service(unique, NATSAdapter()).call_rpc(unique, "add")
    with pytest.raises(BusConnectionError):
        await Service(unique, NATSAdapter()).publish_event(unique, "created")


async def test_async_callable_object_handler(bus, start, unique):
    class Doubler:
        async def __call__(self, params):
            await asyncio.sleep(0)
            return params["x"] * 2

    svc = Service(unique, bus)
    svc.rpc("double")(Doubler())
    await start(svc)
    assert await Service(f"{unique}-c", bus).call_rpc(unique, "double", {"x": 21}) == 42


async def test_callable_from_another_connection_as_soon_as_started(make_bus, bus, unique):
    # start() returns once the server routes to the service; stop() once it no longer does
    server_bus = await make_bus()
    client = Service(f"{unique}-client", bus)
    for i in range(30):
        name = f"{unique}-{i}"
        svc = calculator(name, server_bus)
        await svc.start()
        try:
            assert await client.call_rpc(name, "add", {"a": i, "b": 1}, timeout=2) == i + 1
        finally:
            await svc.stop()
        with pytest.raises(ServiceUnavailableError):
            await client.call_rpc(name, "add", {"a": i, "b": 1}, timeout=2)


async def test_overloaded_service_refuses_at_once(bus, start, unique):
    svc = Service(unique, bus, max_concurrency=1, max_pending=1)
    release = asyncio.Event()
    entered = asyncio.Event()

    @svc.rpc("hold")
    async def hold(params):
        entered.set()
        await release.wait()
        return params["n"]

    await start(svc)
    client = Service(f"{unique}-client", bus)
    running = asyncio.ensure_future(client.call_rpc(unique, "hold", {"n": 1}))
    await asyncio.wait_for(entered.wait(), 2)
    # one more may wait; of two more, whichever comes second is refused at once
    more = [
        asyncio.ensure_future(client.call_rpc(unique, "hold", {"n": n}, timeout=5)) for n in (2, 3)
    ]
    done, pending = await asyncio.wait(more, timeout=2, return_when=asyncio.FIRST_COMPLETED)
    assert len(done) == 1 and len(pending) == 1
    (refused,) = done
    with pytest.raises(RemoteError) as info:
        refused.result()
    assert info.value.error_type == "ServiceOverloadedError"
    release.set()
    assert await running == 1
    assert await pending.pop() in (2, 3)
    assert await client.call_rpc(unique, "hold", {"n": 4}) == 4


async def test_each_method_is_served_on_a_connection_of_its_own_closed_at_stop(make_bus, unique):
    bus = await make_bus()
    service = Service(unique, bus)
    service.rpc("slow")(lambda params: "slow")
    service.rpc("ping")(lambda params: "pong")
    for _ in range(3):
        await service.start()
        serving = list(bus._serving)
        assert len(serving) == 2
        assert len({link.nc for link in serving} | {bus._pool.first().nc}) == 3
        assert await service.call_rpc(unique, "ping", timeout=2) == "pong"
        assert await service.call_rpc(unique, "slow", timeout=2) == "slow"
        await service.stop()
        assert not bus._serving
        assert all(link.nc.is_closed for link in serving)
