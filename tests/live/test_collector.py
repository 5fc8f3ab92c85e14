"""The garbage collector's pauses with many open streams (live/collector.py)."""

import asyncio
import gc
import weakref

from gesprekskaarten.live import collector

from .conftest import run_async


class Node:
    pass


def cyclic_garbage_to_be():
    node = Node()
    node.itself = node  # only the cycle collector can free it
    return node


def test_survivors_are_frozen_and_now_and_then_everything_is_collected():
    async def main():
        watcher = asyncio.create_task(collector.keep_pauses_short(check_every=0.01, full_every=1))
        await asyncio.sleep(0.05)
        assert gc.get_freeze_count() > 0  # what existed before is left alone from now on

        node = cyclic_garbage_to_be()
        alive = weakref.ref(node)
        gc.collect()  # a full collection: the survivors (the node too) are frozen next
        await asyncio.sleep(0.05)
        del node
        gc.collect()
        assert alive() is not None  # frozen: not even a full collection looks at it

        await asyncio.sleep(1.1)  # the collection of everything, frozen objects included
        assert alive() is None
        assert gc.get_freeze_count() > 0  # and frozen again after it

        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)

    gc.unfreeze()
    run_async(main())  # not asyncio.run: a browser test's loop may run in this thread
    assert gc.get_freeze_count() == 0  # nothing stays frozen when the hub stops
