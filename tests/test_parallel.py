"""Data parallelism: a batch split across threads computes what one thread computes."""

import copy

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import rosenblatt
from rosenblatt import layers as L
from rosenblatt import losses, optimizers, parallel, training
from rosenblatt.model import Sequential


def cnn(seed=0, dtype="float64"):
    return Sequential(
        [
            L.Conv2D(4, 3, padding=1),
            L.ReLU(),
            L.MaxPool2D(2),
            L.Conv2D(6, 3, padding=1),
            L.ReLU(),
            L.AvgPool2D(2),
            L.Flatten(),
            L.Dense(5),
            L.Tanh(),
            L.Dense(1),
        ],
        seed=seed,
        dtype=dtype,
    )


@pytest.fixture
def split(monkeypatch):
    """Split every batch, however small, across the given number of threads."""

    def use(threads):
        monkeypatch.setattr(parallel, "MIN_FLOPS_PER_THREAD", 0)
        parallel.set_num_threads(threads)

    yield use
    parallel.set_num_threads(None)


def blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def step(model, X, y):
    out = model.forward(X)
    dx = model.backward(losses.BinaryCrossEntropy().gradient(out, y))
    return out, dx, model.parameter_vector()[0][1].copy()


@pytest.mark.parametrize("threads, batch", [(2, 8), (3, 7)])
def test_split_batch_gives_the_one_thread_output_and_gradients(split, rng, threads, batch):
    X = rng.normal(size=(batch, 2, 8, 8))
    y = (rng.random(batch) < 0.5).astype(float)
    whole = cnn()
    expected = step(whole, X, y)
    assert whole._parts is None
    split(threads)
    model = cnn()
    got = step(model, X, y)
    assert model._parts == parallel.bounds(batch, threads) and len(model._parts) == threads
    for name, a, b in zip(("output", "input gradient", "parameter gradients"), got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=name)
    # the model's gradient is the sum of the parts' gradients, none of which is the whole
    parts = [replica._flat[1] for replica in model._replicas[:threads]]
    np.testing.assert_allclose(sum(parts[1:], parts[0]), got[2], rtol=1e-12, atol=1e-14)
    assert all(np.abs(part - got[2]).max() > 1e-3 * np.abs(got[2]).max() for part in parts)


def test_training_on_threads_follows_one_thread_and_repeats_bit_for_bit(split, rng):
    X = rng.normal(size=(30, 2, 8, 8))
    y = (X[:, 0, :4].sum(axis=(1, 2)) > 0).astype(float)

    def fit():
        model = cnn(seed=3)
        training.fit(
            model,
            X,
            y,
            losses.BinaryCrossEntropy(),
            optimizers.Adam(0.01),
            epochs=3,
            batch_size=8,
            rng=np.random.default_rng(0),
        )
        return model.parameter_vector()[0][0].copy()

    one = fit()
    split(2)
    two, again = fit(), fit()
    assert two.tobytes() == again.tobytes()
    # the optimizer's updates reach the replicas: otherwise the runs would part after one step
    np.testing.assert_allclose(two, one, rtol=1e-9, atol=1e-12)
    initial = cnn(seed=3)
    initial.build(X.shape[1:])
    assert np.abs(one - initial.parameter_vector()[0][0]).max() > 1e-3  # it did train


def test_the_blas_is_held_to_one_thread_inside_and_given_back_after(split, rng):
    split(2)
    before = blas_threads()
    seen = parallel.run(lambda i: blas_threads(), 2)
    assert seen == [[1] * len(before)] * 2
    assert blas_threads() == before

    def fail(i):
        if i == 1:
            raise ArithmeticError("part 1 failed")
        return i

    with pytest.raises(ArithmeticError, match="part 1 failed"):
        parallel.run(fail, 2)
    assert blas_threads() == before


def test_small_batches_and_missing_threadpoolctl_run_whole(monkeypatch, rng):
    parallel.set_num_threads(2)
    try:
        model = cnn(dtype="float32")
        model.forward(rng.normal(size=(4, 2, 8, 8)))
        assert model._parts is None  # a few thousand operations per sample: not worth a thread
        per_sample = model._flops_per_sample()
        assert per_sample == 2 * (8 * 8 * 4 * 2 * 9 + 4 * 4 * 6 * 4 * 9 + 2 * 2 * 6 * 5 + 5)
        batch = int(2 * parallel.MIN_FLOPS_PER_THREAD // per_sample) + 2
        assert parallel.parts(batch, per_sample) == 2
        assert parallel.parts(batch // 2, per_sample) == 1
        monkeypatch.setattr(parallel, "_controller", False)  # as if threadpoolctl were not installed
        assert not parallel.can_split() and parallel.parts(batch, per_sample) == 1
    finally:
        parallel.set_num_threads(None)


def test_copies_and_profiles_of_a_split_model(split, rng):
    split(2)
    X = rng.normal(size=(6, 2, 8, 8))
    y = (rng.random(6) < 0.5).astype(float)
    model = cnn()
    step(model, X, y)
    assert len(model._replicas) == 2
    for replica in model._replicas:  # the replicas compute with the model's own parameter memory
        assert replica._flat[0] is model._flat[0]
        assert replica.layers[0].params["weight"] is model.layers[0].params["weight"]
    twin = copy.deepcopy(model)
    assert twin._replicas == [] and twin._flat[0] is not model._flat[0]
    np.testing.assert_allclose(step(twin, X, y)[0], step(model, X, y)[0], rtol=1e-12)
    table = training.profile_step(model, X, y, losses.BinaryCrossEntropy(), optimizers.SGD(0.1), repeats=2)
    assert all(forward > 0 and backward > 0 for name, forward, backward in table[:1])  # the layers ran in place


@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)]
)
def test_set_num_threads_rejects_what_is_not_a_positive_integer(bad, error):
    # a TypeError for what is not an integer (as torch.set_num_threads), a ValueError for one below 1
    with pytest.raises(error, match=rf"threads must be a positive integer or None. Received: threads={bad!r}"):
        rosenblatt.set_num_threads(bad)
    assert rosenblatt.get_num_threads() == parallel.available_cpus()


def test_bounds_cover_the_batch_in_even_parts():
    parts = parallel.bounds(7, 3)
    assert [(p.start, p.stop) for p in parts] == [(0, 2), (2, 4), (4, 7)]
    assert parallel.bounds(1, 1) == [slice(0, 1)]


def test_fit_keeps_the_blas_on_one_thread_for_small_batches_only(monkeypatch, rng):
    X = rng.normal(size=(40, 6))
    y = (X[:, 0] > 0).astype(float)
    before = blas_threads()

    def threads_during_fit():
        seen = []
        model = Sequential([L.Dense(4), L.ReLU(), L.Dense(1)], seed=0)
        training.fit(
            model,
            X,
            y,
            losses.BinaryCrossEntropy(),
            optimizers.SGD(0.1),
            epochs=2,
            batch_size=8,
            rng=np.random.default_rng(0),
            callbacks=[lambda epoch, logs, m: seen.append(blas_threads())],
        )
        return seen

    assert threads_during_fit() == [[1] * len(before)] * 2
    assert blas_threads() == before
    monkeypatch.setattr(parallel, "SMALL_BATCH_FLOPS", 0)  # as if every batch were large
    assert threads_during_fit() == [before] * 2


def test_parts_run_under_the_callers_floating_point_error_settings(split):
    split(2)
    x = np.zeros((8, 3), np.float32)
    x[4:] = 3e38  # overflows in the second part only
    model = Sequential([L.Dense(4), L.Sigmoid(), L.Dense(1)], seed=1)
    with np.errstate(over="raise", invalid="raise"):
        with pytest.raises(FloatingPointError):
            model.forward(x)
    with np.errstate(all="ignore"):
        model.forward(x)  # the suite turns RuntimeWarnings into errors: none may escape here
    # fit ignores overflow while it runs and reports the divergence itself
    X = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32) * 1e3
    with pytest.raises(ValueError, match="Training diverged"):
        training.fit(
            Sequential([L.Dense(4), L.Dense(1)], seed=1),
            X,
            X[:, :1] * 1e3,
            losses.MeanSquaredError(),
            optimizers.SGD(1.0),
            epochs=3,
            batch_size=16,
            rng=np.random.default_rng(0),
        )


class Nested(L.Layer):
    """A layer that computes with a model of its own."""

    def __init__(self):
        super().__init__()
        self.inner = Sequential([L.Dense(5), L.Tanh(), L.Dense(5)], seed=0, dtype="float64")

    def _forward(self, x):
        return self.inner.forward(x)

    def _backward(self, dout, input_gradient=True):
        return self.inner.backward(dout)


def test_a_model_called_from_inside_a_part_runs_whole(split, rng):
    import threading

    x = rng.normal(size=(8, 3))
    expected = Sequential([L.Dense(5), Nested(), L.Dense(2)], seed=1, dtype="float64").forward(x)
    split(2)
    model = Sequential([L.Dense(5), Nested(), L.Dense(2)], seed=1, dtype="float64")
    result = []
    caller = threading.Thread(target=lambda: result.append(model.forward(x)), daemon=True)
    caller.start()
    caller.join(timeout=30)
    assert not caller.is_alive(), "the nested model waited for the threads its own part was holding"
    np.testing.assert_allclose(result[0], expected, rtol=1e-12)
    assert model._parts is not None and model._replicas[0].layers[1].inner._parts is None


def test_replicas_follow_a_parameter_array_put_in_place_of_another(split, rng):
    split(3)
    x = rng.normal(size=(6, 2, 8, 8))
    model = cnn()
    model.forward(x)
    model.layers[0].params["weight"] = np.zeros_like(model.layers[0].params["weight"])
    got = model.forward(x)
    parallel.set_num_threads(1)
    np.testing.assert_allclose(got, model.forward(x), rtol=1e-12)


@pytest.mark.parametrize("threads", [1, 2])
def test_backward_after_a_forward_pass_that_failed_is_refused(split, rng, threads):
    split(threads)
    model = cnn()
    model.forward(rng.normal(size=(4, 2, 8, 8)))
    with pytest.raises(ValueError):
        model.forward(rng.normal(size=(4, 3, 8, 8)))
    with pytest.raises(RuntimeError, match="or one that failed"):
        model.backward(np.ones((4, 1)))


def _split_forward_in_child(queue, x):
    parallel.MIN_FLOPS_PER_THREAD = 0
    parallel.set_num_threads(2)
    model = cnn()
    queue.put((model.forward(x), model._parts is not None))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork is POSIX-only")
def test_a_forked_child_splits_batches_with_threads_of_its_own(split, rng):
    import multiprocessing

    split(2)
    x = rng.normal(size=(6, 2, 8, 8))
    expected = cnn().forward(x)  # the parent's pool has threads now; the child inherits none
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_split_forward_in_child, args=(queue, x))
    child.start()
    out, was_split = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0 and was_split
    np.testing.assert_allclose(out, expected, rtol=1e-12)
