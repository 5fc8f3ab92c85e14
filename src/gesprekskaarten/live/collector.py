"""Short garbage-collector pauses while thousands of streams are open.

Python's cycle collector now and then examines every object that survived earlier
collections ("generation 2"). With 10,000 open streams that is a million objects or so, and the
process stands still for 0.1–0.8 s each time (measured with `bench/live_path.py`): every
stream and every answer in flight waits. Most of those objects live as long as their stream
or the process, so examining them again and again finds nothing.

So after such a full collection the survivors are frozen (`gc.freeze()`): later collections
skip them and look only at newer objects. Objects that are frozen and later become garbage in
a reference cycle (a stream that closed, for instance) are not freed by that; once every
FULL_EVERY seconds everything is unfrozen and collected once, which frees them and costs one
pause of the old kind. Objects without cycles are freed as always, frozen or not.
"""

import asyncio
import gc
import time

CHECK_EVERY = 1.0  # seconds between two looks at the collector's statistics
FULL_EVERY = 600.0  # seconds between two collections of everything, frozen objects included


def full_collections() -> int:
    return gc.get_stats()[2]["collections"]


async def keep_pauses_short(check_every: float = CHECK_EVERY, full_every: float = FULL_EVERY):
    """Run for as long as the hub serves streams (the hub starts it and cancels it when it
    closes; then nothing stays frozen)."""
    gc.freeze()  # what the process set up before its first stream (Django, the app) stays
    seen = full_collections()
    last_full = time.monotonic()
    try:
        while True:
            await asyncio.sleep(check_every)
            if time.monotonic() - last_full >= full_every:
                gc.unfreeze()
                gc.collect()
                last_full = time.monotonic()
                gc.freeze()
            elif full_collections() != seen:
                gc.freeze()
            seen = full_collections()
    finally:
        gc.unfreeze()
