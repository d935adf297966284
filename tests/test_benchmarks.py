"""The benchmark harness's own arithmetic: what its figures are made of must be right too."""

import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks"))

import run  # noqa: E402
import twins  # noqa: E402


def test_paired_ratio_is_the_median_of_each_rounds_ratio():
    times = {"ours": [1.0, 10.0, 3.0], "theirs": [2.0, 10.0, 1.0]}
    assert run.paired_ratio(times, "ours", "theirs") == 1.0  # rounds: 0.5, 1, 3
    assert run.medians(times) == {"ours": 3.0, "theirs": 2.0}  # whose ratio, 1.5, mixes moments


def test_alternate_takes_turns_and_resets_before_each_turn(monkeypatch):
    monkeypatch.setattr(run, "SETTLE", 0.0)
    log = []
    contenders = {"a": lambda: log.append("a"), "b": lambda: log.append("b")}
    times = run.alternate(contenders, rounds=2, calls=3, warmup=1, resets={"a": lambda: log.append("reset a")})
    turn_a, turn_b = ["reset a"] + ["a"] * 4, ["b"] * 4  # one untimed call, then the timed ones
    assert log == ["a", "b"] + (turn_a + turn_b) * 2
    assert [len(t) for t in times.values()] == [2, 2] and all(s >= 0 for t in times.values() for s in t)


def test_shares_of_the_peak_are_taken_round_by_round():
    """Each round's share is against the higher of the two products in that round."""
    flop = 2 * run.PEAK_SIZE**3  # one product: a time of 1 s is 1 flop-rate unit
    times = {
        "rosenblatt": [1.0, 4.0, 1.0],
        "pytorch": [2.0, 2.0, 0.5],
        "peak numpy": [0.25, 1.0, 0.5],  # rates 4, 1, 2
        "peak torch": [0.5, 0.5, 0.25],  # rates 2, 2, 4: round peaks 4, 2, 4
    }
    shares, peak = run.shares_of_peak(times, flops=flop)
    assert shares["rosenblatt"] == pytest.approx(0.25)  # rounds: 1/4, 0.25/2, 1/4
    assert shares["pytorch"] == pytest.approx(0.25)  # rounds: 0.5/4, 0.5/2, 2/4
    assert peak == pytest.approx(4 * flop / 1e9)


@pytest.mark.parametrize("kind", ["small", "large"])
def test_twins_start_from_the_same_weights_and_compute_the_same_function(kind, rng):
    ours = twins.rosenblatt_cnn(kind)
    shape = twins.INPUT_SHAPES[kind]
    ours.build(shape)
    theirs = twins.torch_twin(ours)
    x = rng.random((3,) + shape, dtype=np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours.forward(x, training=False), expected, rtol=1e-4, atol=1e-5)


def test_training_flops_count_forward_weight_and_input_gradients():
    model = twins.rosenblatt_cnn("small")
    model.build(twins.INPUT_SHAPES["small"])
    b = 5
    conv1 = 2 * b * 28 * 28 * 8 * 1 * 9  # the first layer has no input gradient
    conv2 = 2 * b * 14 * 14 * 16 * 8 * 9
    dense = 2 * b * (784 * 64 + 64 * 1)
    assert twins.training_flops(model, b) == 2 * conv1 + 3 * conv2 + 3 * dense


@pytest.mark.parametrize("quick", [False, True])
def test_the_table_says_how_many_rounds_and_whether_it_was_a_smoke_test(quick):
    env = {
        "date": "2026-12-03",
        "cpu": "cpu",
        "cores": 2,
        "blas": "openblas 0",
        "blas_kernel": "k",
        "blas_threads": 2,
        "torch": "2.13.0",
        "torch_threads": 2,
        "rosenblatt_threads": 2,
        "numpy": "2",
        "scikit-learn": "1",
        "rounds": 3 if quick else 9,
        "mlp_rounds": 3 if quick else 15,
        "quick": quick,
    }
    row = {"workload": "w", "rosenblatt_s": 1.0, "pytorch_s": 2.0, "ratio": 2.0}
    table = run.markdown(env, {"numpy": 1.0, "torch": 2.0}, [row], {})
    assert f"medians over rounds ({env['rounds']} a CNN row, {env['mlp_rounds']} an MLP row)" in table
    assert ("A smoke test (`--quick`, 3 rounds a workload), not a measurement" in table) == quick
    assert "| w | 1.00 s | 2.00 s |  | throughput ÷ PyTorch 2.00 |" in table
