"""Data parallelism: a large batch split across threads, one part per thread.

NumPy runs each element-wise pass (im2col copies, pooling, activations) on one core, while the
BLAS spreads each matrix product over its own threads, which then wait, spinning, through the
passes between products. With ``n`` threads a ``Sequential`` model instead splits a batch large
enough into ``n`` contiguous parts and runs each part through a replica of itself on its own
thread (NumPy releases the GIL inside its loops), the BLAS limited to one thread meanwhile. The
replicas share the model's parameters and have their own buffers and gradients; the gradients are
then added up in a fixed order, so that a run is reproducible bit for bit for a given number of
threads (a different number of threads sums in a different order, as in PyTorch).

Limiting the BLAS needs ``threadpoolctl`` (installed with scikit-learn). Without it everything
runs as on one thread: the engine itself needs NumPy alone.
"""

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

#: Floating-point operations of a forward pass that each thread's part of a batch must reach.
#: Below it the threads lose more to Python and NumPy's per-call overhead on the smaller arrays
#: than the second core gives (measured on the benchmark networks: the small CNN at batch 64
#: trains slower on two threads, the larger one at batch 16 already faster).
MIN_FLOPS_PER_THREAD = 1e8

#: Below this many floating-point operations in a batch's forward pass, ``training.fit`` keeps
#: the BLAS on one thread: a step is then a few hundred microseconds, and a second BLAS thread
#: costs more in moving the weights between the two cores' caches (the optimizer reads them
#: right after the products) than it saves (the 784-128-1 MLP at batch 64: 7 % faster an epoch;
#: the small CNN at batch 32, about twice the work, runs the same either way).
SMALL_BATCH_FLOPS = 2e7

_threads = None  # None: as many as this process may run on
_lock = threading.Lock()
_region = threading.local()  # .inside: this thread is running a part (a nested model runs whole)
_pool, _pool_size = None, 0
_controller = None  # threadpoolctl's, made on first use; False where threadpoolctl is missing
_cpus = None


def available_cpus():
    """The number of CPUs this process may run on (read once, as PyTorch does)."""
    global _cpus
    if _cpus is None:
        try:
            _cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            _cpus = os.cpu_count() or 1
    return _cpus


def set_num_threads(threads):
    """Run large batches on ``threads`` threads (1: no data parallelism), as ``torch.set_num_threads``.

    The default is the number of CPUs this process may run on. ``None`` restores it.
    """
    global _threads
    if threads is not None and (not isinstance(threads, (int, np.integer)) or isinstance(threads, bool)):
        raise TypeError(f"threads must be a positive integer or None. Received: threads={threads!r}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be a positive integer or None. Received: threads={threads!r}")
    _threads = None if threads is None else int(threads)


def get_num_threads():
    """The number of threads large batches are split across."""
    return available_cpus() if _threads is None else _threads


def _blas_controller():
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _controller = False
        else:
            _controller = ThreadpoolController()
    return _controller


def can_split():
    """Whether batches can be split across threads: more than one thread asked for, and a way
    to keep the BLAS to one thread per part (two parts each running a multi-threaded BLAS on
    two cores run slower than one)."""
    return get_num_threads() > 1 and bool(_blas_controller())


def parts(batch, flops_per_sample):
    """Into how many parts to split a batch: 1 (no split) unless each part has enough work."""
    if batch < 2 or batch * flops_per_sample < 2 * MIN_FLOPS_PER_THREAD or not can_split():
        return 1
    if getattr(_region, "inside", False):  # a model called from inside a part (a layer holding a model)
        return 1
    worth = batch if MIN_FLOPS_PER_THREAD <= 0 else int(batch * flops_per_sample // MIN_FLOPS_PER_THREAD)
    return max(1, min(get_num_threads(), batch, worth))


def bounds(batch, k):
    """The k contiguous parts of a batch, as sizes as even as they can be."""
    edges = [batch * i // k for i in range(k + 1)]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


def one_blas_thread_if_small(flops):
    """A context in which the BLAS runs on one thread if ``flops`` (a batch's forward pass) is
    below ``SMALL_BATCH_FLOPS`` and threadpoolctl can hold it there; else one that does nothing."""
    controller = _blas_controller() if flops < SMALL_BATCH_FLOPS else None
    return controller.limit(limits=1, user_api="blas") if controller else contextlib.nullcontext()


def run(work, k):
    """Call work(0), …, work(k − 1), each on its own thread (work(0) on the calling one), with the
    BLAS on one thread, and return their results in order. An exception in any is raised here.

    Each part runs under the caller's floating-point error settings (``np.errstate``), which
    NumPy keeps per thread, and any model it calls runs whole rather than splitting again."""
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < k - 1:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool, _pool_size = ThreadPoolExecutor(max_workers=k - 1, thread_name_prefix="rosenblatt"), k - 1
        pool = _pool
    errors = np.geterr()

    def part(i):
        _region.inside = True
        try:
            with np.errstate(**errors):
                return work(i)
        finally:
            _region.inside = False

    with _blas_controller().limit(limits=1, user_api="blas"):
        futures = [pool.submit(part, i) for i in range(1, k)]
        try:
            first = part(0)
        finally:
            wait(futures)  # every part ends before the limit is lifted, even when one failed
    return [first] + [f.result() for f in futures]


def _forget_pool():
    global _pool, _pool_size, _lock
    _pool, _pool_size = None, 0  # a forked child has none of its parent's threads
    _lock = threading.Lock()  # nor their hold on the lock


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)
