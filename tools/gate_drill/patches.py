"""The drill's throwaway changes: source appended to ``aegis_sdk/application/service.py``
on top of the base commit, and the metrics each case is meant to move."""

SLOW_PATCH = """

# --- gate drill: a deliberate slowdown, never merged ---
import time as _drill_time


def _drill_spin(seconds):
    end = _drill_time.perf_counter() + seconds
    while _drill_time.perf_counter() < end:
        pass


"""
SLOW_RPC = """
_drill_call_rpc = Service.call_rpc


async def _slow_call_rpc(self, *args, **kwargs):
    _drill_spin({spin!r})
    return await _drill_call_rpc(self, *args, **kwargs)


Service.call_rpc = _slow_call_rpc
"""
SLOW_EVENTS = """
_drill_publish_events = Service.publish_events


async def _slow_publish_events(self, domain, event_type, payloads):
    _drill_spin({spin!r} * len(payloads))
    return await _drill_publish_events(self, domain, event_type, payloads)


Service.publish_events = _slow_publish_events
"""
SLOW_SUBSCRIBER = """
_drill_subscribe = Service.subscribe


def _slow_subscribe(self, *args, **kwargs):
    register = _drill_subscribe(self, *args, **kwargs)

    def slow_register(fn):
        async def handler(event):
            _drill_spin({spin!r})
            result = fn(event)
            if inspect.isawaitable(result):
                await result

        register(handler)
        return fn

    return slow_register


Service.subscribe = _slow_subscribe
"""
TAIL = """
import asyncio as _drill_asyncio
import itertools as _drill_itertools

_drill_call_rpc = Service.call_rpc
_drill_calls = _drill_itertools.count()


async def _tail_call_rpc(self, *args, **kwargs):
    if next(_drill_calls) % 50 == 49:
        await _drill_asyncio.sleep(0.001)
    return await _drill_call_rpc(self, *args, **kwargs)


Service.call_rpc = _tail_call_rpc
"""
# case -> the metric-name prefixes it is meant to move (a flag elsewhere is a stray flag)
CASES = {
    "noop": (),
    "rpc": ("rpc",),
    "events": ("event",),
    "subscriber": ("drain", "delivery"),
    "tail": ("rpc_p99",),
}
