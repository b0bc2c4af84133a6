"""How many live requests each forward pass answered: cross-request batching made observable.

The live worker records the size of every scoring pass (the request itself plus the waiting
requests it drained) in a short Redis list; ``bench score --under-load`` and the batching test
read it. Without Redis, or with an eager app (each request scored alone), nothing is recorded.
"""

from __future__ import annotations

from ml_worker.services.live.batching import batching_redis, live_redis

BATCH_SIZES_KEPT = 1000  # how many recent forward passes' sizes are kept
_BATCH_SIZES_KEY = "gauntlet:live_score:batch_sizes"


def batch_size_record(size: int) -> None:
    """Remember that one live forward pass answered ``size`` requests (the last ``BATCH_SIZES_KEPT``)."""
    client = batching_redis()
    if client is None:
        return
    pipe = client.pipeline(transaction=False)  # one round trip
    pipe.lpush(_BATCH_SIZES_KEY, size)
    pipe.ltrim(_BATCH_SIZES_KEY, 0, BATCH_SIZES_KEPT - 1)
    pipe.execute()


def live_batch_sizes(*, clear: bool = False) -> list[int]:
    """The sizes of the recent live forward passes, newest first (empty without Redis);
    ``clear`` forgets them after reading (a benchmark's window starts from none)."""
    client = live_redis()
    if client is None:
        return []
    sizes = [int(size) for size in client.lrange(_BATCH_SIZES_KEY, 0, -1)]
    if clear:
        client.delete(_BATCH_SIZES_KEY)
    return sizes
