"""kdviz.compress: every method on a tiny model, checked against independent computations; the CLI contract."""

import importlib
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from kdviz import compress as kc
from kdviz.base.i18n import render
from kdviz.cli.main import main
from kdviz.lab import shipped
from kdviz.train.loop import TrainConfig, train_student
from kdviz.train.models import StudentMLP, TeacherCNN, count_params


def tiny_cnn(seed: int = 0) -> TeacherCNN:
    torch.manual_seed(seed)
    return TeacherCNN((4, 8), 16, 0.0).eval()


def tiny_mlp(seed: int = 0) -> StudentMLP:
    torch.manual_seed(seed)
    return StudentMLP((16,)).eval()


def x(n: int = 8, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def test_library_never_imports_streamlit():
    import subprocess
    import sys

    code = "import sys, kdviz.compress, kdviz.viz.plots_compress; print('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


@pytest.mark.parametrize("name", ["kdviz.compress", "kdviz.viz.plots_compress"])
def test_all_resolves(name):
    mod = importlib.import_module(name)
    assert len(mod.__all__) == len(set(mod.__all__))
    for attr in mod.__all__:
        assert hasattr(mod, attr), f"{name}.{attr}"


# ---------------------------------------------------------------- pruning


@pytest.mark.parametrize("amount", [0.5, 0.9])
def test_per_layer_pruning_zeroes_the_smallest_weights_of_each_layer(amount):
    model = tiny_cnn()
    before = {n: m.weight.detach().clone() for n, m in kc.prunable(model)}
    pruned = kc.finish_pruning(kc.prune_unstructured(model, amount, scope="layer"))
    for name, mod in kc.prunable(pruned):
        w, w0 = mod.weight.detach(), before[name]
        zero = w == 0
        assert int(zero.sum()) == round(amount * w.numel())  # torch rounds amount·n
        assert w0[zero].abs().max() <= w0[~zero].abs().min()  # the smallest magnitudes went
        assert torch.equal(w[~zero], w0[~zero])  # the rest untouched
    for name, mod in kc.prunable(model):  # the original is not modified
        assert torch.equal(mod.weight, before[name])
    assert not any(k.endswith(("_orig", "_mask")) for k in pruned.state_dict())
    assert kc.weight_sparsity(pruned) == pytest.approx(sum(round(amount * w.numel()) for w in before.values()) / sum(w.numel() for w in before.values()))


def test_global_pruning_uses_one_threshold_for_all_layers():
    model = tiny_cnn()
    w0 = torch.cat([m.weight.detach().flatten() for _, m in kc.prunable(model)])
    pruned = kc.finish_pruning(kc.prune_unstructured(model, 0.7, scope="global"))
    w = torch.cat([m.weight.detach().flatten() for _, m in kc.prunable(pruned)])
    assert int((w == 0).sum()) == round(0.7 * len(w))
    assert kc.weight_sparsity(pruned) == pytest.approx(round(0.7 * len(w)) / len(w))
    assert w0[w == 0].abs().max() <= w0[w != 0].abs().min()
    per_layer = [float((m.weight == 0).float().mean()) for _, m in kc.prunable(pruned)]
    assert max(per_layer) - min(per_layer) > 0.05  # unlike per-layer pruning, layers end up unequal


@pytest.mark.parametrize("make", [tiny_cnn, tiny_mlp])
def test_structured_pruning_rebuilds_a_smaller_model_with_the_same_outputs(make):
    model = make()
    masked = kc.finish_pruning(kc.prune_structured(model, 0.5))
    last = [m for _, m in kc.prunable(masked)][-1]
    for _, mod in kc.prunable(masked):
        rows = mod.weight.detach().flatten(1)
        dead = ~rows.ne(0).any(1)
        if mod is last:
            assert not dead.any()  # the 10 logits are never pruned
        else:
            assert int(dead.sum()) == round(0.5 * rows.shape[0])
            assert torch.all(mod.bias.detach()[dead] == 0)  # a removed unit outputs exactly 0
    small = kc.rebuild_structured(masked)
    assert type(small) is type(model)
    with torch.no_grad():
        torch.testing.assert_close(small(x()), masked(x()), rtol=1e-5, atol=1e-5)
    if isinstance(model, TeacherCNN):
        assert small.channels == (2, 4) and small.hidden == 8
        assert count_params(small) == (2 * 9 + 2) + (4 * 2 * 9 + 4) + (4 * 49 * 8 + 8) + (8 * 10 + 10)
    else:
        assert small.hidden == (8,)
        assert count_params(small) == 784 * 8 + 8 + 8 * 10 + 10


def test_fine_tuning_keeps_the_pruned_zeros(data):
    model = kc.prune_unstructured(tiny_mlp(), 0.8, scope="layer")
    mask = model.net[1].weight_mask.clone()
    before = model.net[1].weight.detach().clone()
    seconds = kc.fine_tune(model, data, epochs=1, lr=1e-3, seed=0)
    kc.finish_pruning(model)
    w = model.net[1].weight.detach()
    assert seconds > 0
    assert torch.all(w[mask == 0] == 0)
    assert not torch.equal(w[mask == 1], before[mask == 1])  # the kept weights did learn
    assert 0.0 <= kc.accuracy_on_test(model, data) <= 1.0


def test_pruning_rejects_bad_amounts():
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            kc.prune_unstructured(tiny_mlp(), bad)
        with pytest.raises(ValueError):
            kc.prune_structured(tiny_mlp(), bad)
    with pytest.raises(ValueError):
        kc.prune_unstructured(tiny_mlp(), 0.5, scope="nope")


# ---------------------------------------------------------------- sizes


def test_saved_bytes_is_the_safetensors_file_and_csr_pays_off_only_when_sparse(tmp_path):
    model = tiny_mlp()
    blob_path = tmp_path / "m.safetensors"
    from safetensors.torch import save_file

    save_file(kc.saved_tensors(model), str(blob_path))
    assert kc.saved_bytes(model) == blob_path.stat().st_size
    assert 4 * count_params(model) < kc.saved_bytes(model) < 4 * count_params(model) + 1000
    assert kc.stored_params(model) == count_params(model)
    assert kc.sparse_bytes(model) == kc.saved_bytes(model)  # nothing to gain without zeros
    half = kc.finish_pruning(kc.prune_unstructured(model, 0.5))
    assert kc.sparse_bytes(half) > 0.7 * kc.saved_bytes(half)  # 6 bytes per kept weight vs 4 per weight
    sparse = kc.finish_pruning(kc.prune_unstructured(model, 0.95))
    assert kc.saved_bytes(sparse) == kc.saved_bytes(model)  # dense zeros cost the same
    assert kc.sparse_bytes(sparse) < 0.15 * kc.saved_bytes(sparse)


def test_csr_round_trip():
    from kdviz.compress.measure import _csr

    w = kc.finish_pruning(kc.prune_unstructured(tiny_cnn(), 0.8)).features[3].weight.detach()  # (8, 4, 3, 3)
    csr = _csr(w)
    crow, col, val = csr["crow"].numpy(), csr["col"].numpy(), csr["values"].numpy()
    mat = np.zeros((8, 36), np.float32)
    for i in range(8):  # CSR by hand: row i holds values crow[i]:crow[i+1] at columns col[...]
        mat[i, col[crow[i] : crow[i + 1]]] = val[crow[i] : crow[i + 1]]
    assert np.array_equal(mat.reshape(w.shape), w.numpy())
    assert csr["col"].dtype == torch.int16 and len(csr["values"]) == int((w != 0).sum())


# ---------------------------------------------------------------- quantization


def test_dynamic_quantization_int8_weights_quarter_size_no_warnings():
    torch.manual_seed(0)
    model = StudentMLP((64,)).eval()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        q = kc.quantize_dynamic(model)
    assert caught == [], [str(w.message)[:80] for w in caught]
    tensors = kc.saved_tensors(q)
    w_int, scale = tensors["net.1.weight"], tensors["net.1.weight.scale"]
    assert w_int.dtype == torch.int8 and w_int.shape == (64, 784)
    # independent check: int8 · scale is the float weight, rounded to the nearest step
    assert (w_int.float() * scale - model.net[1].weight.detach()).abs().max() <= scale / 2 + 1e-6
    assert kc.stored_params(q) == count_params(model)
    assert kc.saved_bytes(q) <= 0.3 * kc.saved_bytes(model)
    with torch.no_grad():
        f, qo = model(x(32)), q(x(32))
    assert torch.linalg.norm(qo - f) / torch.linalg.norm(f) < 0.05
    assert isinstance(model.net[1], nn.Linear)  # the original is untouched


def test_static_quantization_of_a_cnn(data):
    model = tiny_cnn()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        q = kc.quantize_static(model, data.x_train[:64])
        out = q(data.x_test[:16])
    assert caught == [], [str(w.message)[:80] for w in caught]
    assert out.shape == (16, 10) and out.dtype == torch.float32
    tensors = kc.saved_tensors(q)
    ints = {k for k, t in tensors.items() if t.dtype == torch.int8}
    assert ints == {"model.features.0.weight", "model.features.3.weight", "model.head.1.weight", "model.head.4.weight"}
    assert len(tensors["model.features.3.weight.scale"]) == 8  # one scale per output channel
    with torch.no_grad():
        f = model(data.x_test[:16])
    assert torch.linalg.norm(out - f) / torch.linalg.norm(f) < 0.1
    assert kc.saved_bytes(q) < 0.4 * kc.saved_bytes(model)


# ---------------------------------------------------------------- low rank


@pytest.mark.parametrize("rank", [1, 4, 8])
def test_svd_linear_reaches_the_rank_with_the_eckart_young_error(rank):
    model = tiny_mlp()
    low = kc.svd_linear(model, rank)
    assert isinstance(low.net[1], kc.LowRankLinear) and low.net[1].rank == rank
    assert isinstance(low.net[3], kc.LowRankLinear) == (rank * (16 + 10) < 16 * 10)  # 16 → 10 is factorised only where it saves
    W = model.net[1].weight.detach().numpy().astype(np.float64)  # (16, 784)
    approx = (low.net[1][1].weight @ low.net[1][0].weight).detach().numpy()
    assert np.linalg.matrix_rank(approx, tol=1e-4) == rank
    s = np.linalg.svd(W, compute_uv=False)
    assert np.linalg.norm(W - approx) == pytest.approx(np.sqrt((s[rank:] ** 2).sum()), rel=1e-4)
    assert count_params(low) < count_params(model)
    with torch.no_grad():
        assert low(x()).shape == (8, 10)


def test_svd_linear_leaves_layers_it_cannot_shrink():
    model = tiny_mlp()
    same = kc.svd_linear(model, 12)  # 12·(784+16) < 784·16: first layer factorised; 12 ≥ 10: last layer kept
    assert isinstance(same.net[1], kc.LowRankLinear) and type(same.net[3]) is nn.Linear
    full = kc.svd_linear(model, 16)  # rank ≥ min(16, 784): nothing to do
    assert all(type(m) is nn.Linear for m in full.net if not isinstance(m, (nn.Flatten, nn.ReLU)))
    kept = kc.svd_linear(model, 9)  # 9·(16 + 10) > 16·10: the last layer would grow, so it is kept
    assert type(kept.net[3]) is nn.Linear
    forced = kc.svd_linear(model, 9, only_if_smaller=False)
    assert isinstance(forced.net[3], kc.LowRankLinear)
    assert count_params(forced.net[3]) == 9 * 16 + 10 * 9 + 10 > count_params(model.net[3])


@pytest.mark.parametrize("rank", [2, 6])
def test_factorize_conv_is_the_best_rank_r_separable_kernel(rank):
    model = tiny_cnn()
    low = kc.factorize_conv(model, rank)
    sep = low.features[3]
    assert isinstance(sep, kc.SeparableConv) and sep.rank == rank
    assert sep[0].weight.shape == (rank, 4, 3, 1) and sep[1].weight.shape == (8, rank, 1, 3)
    # conv 1 → 4: replaced only if r < min(1·3, 4·3) and r·3·(1 + 4) < 1·4·9
    assert isinstance(low.features[0], kc.SeparableConv) == (rank < 3 and rank * 3 * 5 < 36)
    V, H = sep[0].weight.detach()[..., 0], sep[1].weight.detach()[:, :, 0, :]  # (r, Cin, k), (Cout, r, k)
    composed = torch.einsum("rih,orw->oihw", V, H)  # the k×k kernel the pair computes, (Cout, Cin, k, k)
    # 1) the pair really computes that kernel (padding split correctly)
    h = torch.randn(5, 4, 14, 14)
    with torch.no_grad():
        torch.testing.assert_close(sep(h), F.conv2d(h, composed, sep[1].bias, padding=1), rtol=1e-4, atol=1e-5)
    # 2) it is the best rank-r approximation of the kernel read as a (Cin·k) × (Cout·k) matrix
    W = model.features[3].weight.detach().double()
    M = W.permute(1, 2, 0, 3).reshape(12, 24).numpy()
    Mr = composed.double().permute(1, 2, 0, 3).reshape(12, 24).numpy()
    s = np.linalg.svd(M, compute_uv=False)
    assert np.linalg.matrix_rank(Mr, tol=1e-5) == rank
    assert np.linalg.norm(M - Mr) == pytest.approx(np.sqrt((s[rank:] ** 2).sum()), rel=1e-4)
    with torch.no_grad():
        assert low(x()).shape == (8, 10)
    assert count_params(low) < count_params(model)


def test_factorize_conv_at_full_rank_is_exact():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 5, 3, padding=1)
    model = nn.Sequential(conv)
    low = kc.factorize_conv(model, 8, only_if_smaller=False)  # full rank is min(9, 15) = 9; 8 drops one direction
    assert isinstance(low[0], kc.SeparableConv)
    exact = kc.SeparableConv(conv, 9)
    M = conv.weight.detach().double().permute(1, 2, 0, 3).reshape(9, 15)
    U, S, Vh = torch.linalg.svd(M, full_matrices=False)
    with torch.no_grad():
        exact[0].weight.copy_((U * S.sqrt()).reshape(3, 3, 9).permute(2, 0, 1).unsqueeze(-1).float())
        exact[1].weight.copy_((S.sqrt()[:, None] * Vh).reshape(9, 5, 3).permute(1, 0, 2).unsqueeze(2).float())
        exact[1].bias.copy_(conv.bias)
        h = torch.randn(2, 3, 10, 10)
        torch.testing.assert_close(exact(h), conv(h), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- compact filters, timing, front


def test_compact_cnn_shapes_and_training(data, res):
    model = kc.CompactCNN((4, 8), 8)
    assert model(x()).shape == (8, 10)
    dw = model.features[3]
    assert dw.groups == 4 and dw.weight.shape == (4, 1, 3, 3)
    assert count_params(model) == (4 * 9 + 4) + (4 * 9 + 4) + (8 * 4 + 8) + (8 * 49 * 8 + 8) + (8 * 10 + 10)
    run = train_student(data, res.logits, TrainConfig(epochs=1, lr=3e-3, gamma=0.9, seed=0), model=model)
    assert run.test_acc == pytest.approx(kc.accuracy_on_test(run.model, data))
    assert run.test_acc > 0.3  # one epoch already far above chance (0.1)


def test_latency_and_measure(data):
    model = tiny_mlp()
    lat = kc.latencies({"a": model, "b": tiny_cnn()}, data.x_test[:4], repeats=3, warmup=1)
    assert set(lat) == {"a", "b"} and all(v > 0 for v in lat.values())
    m = kc.measure(model)
    assert m["params"] == count_params(model) and m["size_bytes"] == kc.saved_bytes(model) and m["sparsity"] == 0.0


def test_pareto_front():
    df = pd.DataFrame({"size_bytes": [1, 2, 3, 4, 2], "test_acc": [0.5, 0.9, 0.8, 0.95, 0.9]})
    assert kc.pareto_front(df, "size_bytes").tolist() == [True, True, False, True, True]  # ties on both stay


def test_plans_cover_every_family():
    for config in (kc.QUICK, kc.DEFAULT):
        rows = [(m.name, m.family, m.base) for m in kc.plan(config)]
        assert {f for _, f, _ in rows} == set(kc.FAMILIES)
        assert {b for _, _, b in rows} == {"teacher", "student"}
        assert len({m for m, _, _ in rows}) == len(rows)
        assert len({(m.key, json.dumps(m.message[1], sort_keys=True)) for m in kc.plan(config)}) == len(rows)  # keys + fields identify
    assert any("fine-tune" in m.name for m in kc.plan(kc.DEFAULT)) and not any("fine-tune" in m.name for m in kc.plan(kc.QUICK))
    with pytest.raises(ValueError):
        kc.QUICK.replace(seeds=(0, 0))
    with pytest.raises(ValueError):
        kc.QUICK.replace(prune_amounts=(1.0,))


def test_the_plan_is_plain_data():
    """Every method names a module-level function and JSON-able arguments; nothing hides in a closure."""
    import inspect

    plan_module = importlib.import_module("kdviz.compress.methods")
    from kdviz.base.i18n import MESSAGES

    for m in kc.plan(kc.DEFAULT):
        assert m.key in MESSAGES and m.family in kc.FAMILIES and m.base in kc.BASES
        assert inspect.isfunction(m.build) and m.build.__qualname__ == m.build.__name__  # not a lambda, not nested
        assert getattr(plan_module, m.build.__name__) is m.build
        json.dumps(m.args)
        json.dumps(m.fields)
        assert set(inspect.signature(m.build).parameters) == {"src", *m.args}
        assert m.rebuild == (m.build is plan_module.prune_channels)
        assert (m.finetune > 0) == ("fine-tune" in m.name) and m.fields.get("epochs", 0) == m.finetune
    assert kc.CompressConfig.from_dict(kc.DEFAULT.to_dict()) == kc.DEFAULT
    assert kc.CompressConfig.from_dict({**kc.QUICK.to_dict(), "added_later": 1}) == kc.QUICK


@pytest.mark.parametrize("bad", [{}, {"config": {}, "threads": 1, "rows": []}, {"config": {}, "threads": 1, "rows": [{"method": "x"}]},
                                 {"config": {"seeds": "x"}, "threads": 1, "rows": []}, []])
def test_from_result_rejects_what_is_not_a_result(bad):
    with pytest.raises(ValueError, match="not a compression result") as err:
        kc.from_result(bad)
    assert "\n" not in str(err.value)


def test_rank_study_and_break_even(data):
    model = tiny_mlp()
    assert kc.break_even_rank(784, 128) == 110
    for n_in, n_out in ((784, 128), (784, 16), (16, 10)):  # r·(in + out) ≤ in·out up to the break-even rank, not above
        r = kc.break_even_rank(n_in, n_out)
        assert r * (n_in + n_out) <= n_in * n_out < (r + 1) * (n_in + n_out)
    study = kc.rank_study(model, data, (2, 8))
    assert (study["n_in"], study["n_out"], study["break_even"]) == (784, 16, 15)
    assert study["dense_params"] == count_params(model) and study["dense_acc"] == kc.accuracy_on_test(model, data)
    low = kc.svd_linear(model, 8, only_if_smaller=False)
    row = study["rows"][1]
    assert row["rank"] == 8 and row["params"] == count_params(low) and row["test_acc"] == kc.accuracy_on_test(low, data)
    json.dumps(study)


# ---------------------------------------------------------------- the comparison through the CLI


def test_cli_compress_quick_json_and_cache(tmp_path, monkeypatch, capsys, res):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    assert main(["compress", "--quick", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["method"]: r for r in out["rows"]}
    assert [(r["method"], r["family"], r["base"]) for r in out["rows"]] == [(m.name, m.family, m.base) for m in kc.plan(kc.QUICK)]
    for r, m in zip(out["rows"], kc.plan(kc.QUICK)):
        for k in ("method", "family", "base", "params", "size_bytes", "latency_ms_1", "latency_ms_256", "test_acc", "seconds", "sparsity", "note"):
            assert k in r
        assert set(r) == set(kc.ROW_KEYS)
        assert r["key"] == m.key and render((r["key"], r["fields"]), "en") == r["method"]  # the identity, and its English text
        assert render((r["note_key"], r["note_fields"]), "en") == r["note"]
        assert r["family"] in kc.FAMILIES and r["base"] in ("teacher", "student")
        assert 0 < r["test_acc"] <= 1 and r["latency_ms_1"] > 0 and r["latency_ms_256"] > 0
    teacher = rows["teacher (CNN, fp32)"]
    assert teacher["family"] == "baseline" and teacher["params"] == count_params(res.teacher)
    assert teacher["test_acc"] == pytest.approx(kc.accuracy_on_test(res.teacher, res.data))
    student = next(r for r in out["rows"] if r["family"] == "baseline" and r["base"] == "student")
    dyn = rows["student · int8 dynamic (linear layers)"]
    assert dyn["size_bytes"] <= 0.3 * student["size_bytes"] and abs(dyn["test_acc"] - student["test_acc"]) <= 0.01
    assert rows["teacher · prune global L1 50%"]["sparsity"] == pytest.approx(0.5, abs=1e-4)
    assert rows["teacher · prune global L1 50%"]["size_bytes"] == teacher["size_bytes"]  # zeros are not smaller dense
    assert rows["teacher · prune channels L2 50%, rebuilt"]["params"] < teacher["params"] / 2
    assert out["threads"] == 1 and out["cached"] is False and out["seeds"] == [0]
    # the student the comparison used is cached; its accuracy is the row's
    student_model, _ = kc.cached_student(res, kc.QUICK)
    assert kc.accuracy_on_test(student_model, res.data) == pytest.approx(student["test_acc"])
    # a second call reads the cache
    assert main(["compress", "--quick", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["cached"] is True and [r["test_acc"] for r in again["rows"]] == [r["test_acc"] for r in out["rows"]]
    assert main(["compress", "--quick"]) == 0  # for humans: the table and how it was measured
    captured = capsys.readouterr()
    text = captured.out
    assert "read from the cache" in captured.err  # progress, in English, on stderr
    assert "teacher (CNN, fp32)" in text and "1 torch thread(s), engine" in text and "(cached)" in text
    # --ship writes what --json prints, with where it was measured (here into tmp_path, never into kdviz/results)
    real = shipped.RESULTS / "compress.json"
    before = real.read_bytes() if real.exists() else None
    monkeypatch.setattr(shipped, "RESULTS", tmp_path)
    assert main(["compress", "--quick", "--json", "--ship"]) == 0
    assert (real.read_bytes() if real.exists() else None) == before  # the shipped file is the full run's, untouched
    printed = json.loads(capsys.readouterr().out)
    blob = json.loads((tmp_path / "compress.json").read_text())
    assert blob["result"] == printed and blob["provenance"]["command"] == "python -m kdviz compress --quick"
    ship = shipped.load("compress", data_fingerprint=res.data.fingerprint, teacher_sha256=res.teacher_meta["sha256"], folder=tmp_path)
    assert ship.stale is None
    table, config = kc.from_result(ship.result)
    assert config == kc.QUICK and list(table.columns) == list(kc.ROW_KEYS)
    key = kc.compare_key(res, kc.QUICK)
    assert kc.to_json_rows(table) == kc.to_json_rows(kc.load_cached_compare(key)) == printed["rows"]
    assert table.attrs["rank_study"]["rows"][0]["rank"] == kc.CURVE_RANKS[0]
    # a corrupt cache is ignored (and would be rebuilt)
    path = kc.compare_cache_path(key)
    assert kc.load_cached_compare(key) is not None
    path.write_text(path.read_text()[:100])
    assert kc.load_cached_compare(key) is None


@pytest.mark.parametrize("args", [["--threads", "0"], ["--seeds", "-1"], ["--seeds", "x"], ["--bogus"]])
def test_cli_compress_bad_arguments(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compress", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_compress_repeated_seed_is_one_line(capsys):
    assert main(["compress", "--quick", "--seeds", "0", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "distinct" in err


def test_pareto_figure_one_trace_per_family_and_the_front():
    from kdviz.viz import plots_compress as pc

    df = pd.DataFrame({
        "method": ["t", "s", "q", "p"], "family": ["baseline", "baseline", "quantization", "pruning"], "base": ["teacher", "student", "student", "teacher"],
        "params": [10, 5, 5, 10], "size_bytes": [4000, 2000, 500, 4000], "test_acc": [0.98, 0.94, 0.94, 0.10],
        "test_acc_std": [0.0, 0.01, float("nan"), 0.0], "n_seeds": [3, 3, 3, 3],
        "key": ["plots_compress.m_teacher", "plots_compress.m_student", "plots_compress.m_int8_dynamic", "plots_compress.m_prune_layer"],
        "fields": [{}, {"arch": "MLP 784-8-10"}, {"base": ["plots_compress.student", {}]}, {"base": ["plots_compress.teacher", {}], "pct": 90.0}],
    })
    fig = pc.pareto_figure(df, x="size_bytes")
    names = [t.name for t in fig.data]
    assert names[:-1] == ["baseline", "quantization", "Pareto front"]  # pruning's only model is below the floor
    front = fig.data[-2]
    assert list(front.x) == [0.5, 4.0] and list(front.y) == [94.0, 98.0]  # kB; s is beaten by q (same accuracy, smaller)
    assert "teacher · prune per-layer L1 90% (10.0 %)" in fig.data[-1].name  # named in the legend, under the chart
    assert "教师模型 · 逐层 L1 剪枝 90%（10.0 %）" in pc.pareto_figure(df, x="size_bytes", lang="zh").data[-1].name
    assert [t.name for t in pc.pareto_figure(df, x="size_bytes", floor=None).data][:3] == ["baseline", "pruning", "quantization"]
    with pytest.raises(ValueError):
        pc.pareto_figure(df, x="nope")


# ---------------------------------------------------------------- the shipped result and docs/compression.md

COMPRESSION_DOC = Path(__file__).resolve().parents[1] / "docs" / "compression.md"


def _readme_table() -> list[list[str]]:
    """The cells of the table under "Measured comparison" in docs/compression.md."""
    text = COMPRESSION_DOC.read_text(encoding="utf-8")
    section = text[text.index("## Measured comparison"):]
    section = section[: section.index("\n## ", 5)]
    lines = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| method")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_readme_table_is_the_shipped_result(res):
    """Methods, parameters, sizes and test accuracy ± std in docs/compression.md are those of kdviz/results/compress.json."""
    from kdviz.maths.stats import plus_minus

    ship = shipped.load("compress", data_fingerprint=res.data.fingerprint, teacher_sha256=res.teacher_meta["sha256"])
    assert ship is not None and ship.stale is None, "run: python -m kdviz compress --ship"
    rows = ship.result["rows"]
    assert ship.result["seeds"] == [0, 1, 2] and ship.result["config"] == kc.DEFAULT.to_dict()  # the full run
    assert [r["method"] for r in rows] == [m.name for m in kc.plan(kc.DEFAULT)]
    table = _readme_table()
    assert len(table) == len(rows)
    for cells, r in zip(table, rows):
        method, family, base, params, size, csr = cells[:6]
        assert (method, family, base) == (r["method"], r["family"], r["base"])
        assert int(params.replace(",", "")) == r["params"]
        assert size == f"{r['size_bytes'] / 1e3:.1f}" and csr == f"{r['sparse_bytes'] / 1e3:.1f}"
        assert cells[8] == plus_minus(r["test_acc"], r["test_acc_std"], scale=100), method
    assert re.search(r"`kdviz/results/compress\.json`", COMPRESSION_DOC.read_text(encoding="utf-8"))


def test_undertrained_rows_are_the_ones_trained_short():
    """Quick: the MLP student (and what is made from it), the distilled MLPs and the compact CNNs are undertrained;
    nothing made from the teacher is. The full preset has none."""
    methods = kc.plan(kc.QUICK)
    fam, base = [m.family for m in methods], [m.base for m in methods]
    weak = kc.undertrained(fam, base, kc.QUICK)
    for m, w in zip(methods, weak):
        assert w == (m.base == "student" or m.family in ("distillation", "compact")), m.name
    assert kc.short_training(kc.QUICK) == {"student": (kc.QUICK.student_epochs, kc.DEFAULT.student_epochs),
                                           "compact": (kc.QUICK.compact_epochs, kc.DEFAULT.compact_epochs)}
    full = kc.plan(kc.DEFAULT)
    assert not any(kc.undertrained([m.family for m in full], [m.base for m in full], kc.DEFAULT))
    assert kc.short_training(kc.DEFAULT) == {}


def test_pareto_figure_marks_undertrained_rows_open():
    from kdviz.viz import plots_compress, style

    methods = kc.plan(kc.QUICK)
    df = pd.DataFrame([{"method": m.name, "family": m.family, "base": m.base, "params": 1000, "size_bytes": 4000 + i,
                        "sparse_bytes": 3000, "latency_ms_1": 0.1, "latency_ms_256": 2.0 + i, "test_acc": 0.9, "test_acc_std": None,
                        "n_seeds": 1, "key": m.key, "fields": m.message[1]} for i, m in enumerate(methods)])
    weak = kc.undertrained(df["family"], df["base"], kc.QUICK)
    fig = plots_compress.pareto_figure(df, undertrained=weak)
    dist = next(t for t in fig.data if t.name == "distillation")
    assert all(s.endswith("-open") for s in dist.marker.symbol) and dist.marker.color == style.ROLES["distilled"]
    base = next(t for t in fig.data if t.name == "baseline")
    assert list(base.marker.symbol) == ["diamond", "diamond-open"]  # the teacher is fully trained, the quick student is not
    assert list(base.marker.color) == [style.ROLES["teacher"], style.ROLES["baseline"]]
    assert fig.data[-1].name == "open marker: undertrained" and "undertrained" in dist.customdata[0][3]
    plain = plots_compress.pareto_figure(df)
    assert [t.name for t in plain.data] == list(kc.FAMILIES)  # no legend entry without undertrained rows (one point: no front)
