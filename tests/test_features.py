"""Feature distillation (kdviz.train.features, kdviz.lab.features, ``python -m kdviz features``): each feature loss against
an independent float64 formula, the pooling that matches shapes, the teacher's features computed once, the same
initialisation for every method, and the CLI contract."""

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from kdviz.base.i18n import render, tr
from kdviz.cli import features as cli_features
from kdviz.cli.main import main
from kdviz.lab import features as lf
from kdviz.train import features as kf
from kdviz.viz.plots_depth import method_label

RNG = np.random.default_rng(0)


def t64(*shape, positive=False):
    a = RNG.standard_normal(shape)
    return torch.tensor(np.abs(a) if positive else a, dtype=torch.float64)


def np_block_mean(a: np.ndarray, k: int) -> np.ndarray:
    """(N, C, H, W) → (N, C, H/k, W/k): the mean of each k×k block."""
    n, c, h, w = a.shape
    return a.reshape(n, c, h // k, k, w // k, k).mean(axis=(3, 5))


def np_attention(a: np.ndarray) -> np.ndarray:
    q = (np.abs(a) ** 2).mean(axis=1).reshape(len(a), -1)  # mean over channels of |A|^2, flattened
    return q / np.linalg.norm(q, axis=1, keepdims=True)


# ---------------------------------------------------------------- the losses against independent formulas


def test_hint_loss_matches_a_hand_written_regressor_and_pooling():
    s, t = t64(2, 3, 14, 14), t64(2, 5, 7, 7)
    reg = nn.Conv2d(3, 5, 1).double()
    w = reg.weight.detach().numpy()[:, :, 0, 0]  # (5, 3)
    b = reg.bias.detach().numpy()
    r = np.einsum("oc,nchw->nohw", w, s.numpy()) + b[None, :, None, None]  # a 1×1 convolution by hand
    want = ((np_block_mean(r, 2) - t.numpy()) ** 2).mean()  # the 14×14 regressed map pooled to the teacher's 7×7
    got = kf.hint_loss(s, t, reg).detach()
    assert got.dtype == torch.float64 and math.isclose(float(got), want, rel_tol=1e-12)
    same = t64(2, 5, 7, 7)
    assert math.isclose(float(kf.hint_loss(same, t)), ((same.numpy() - t.numpy()) ** 2).mean(), rel_tol=1e-12)
    with pytest.raises(ValueError, match="hint"):
        kf.hint_loss(t64(2, 3, 7, 7), t)  # 3 channels against 5, no regressor


def test_attention_map_and_loss_match_the_formula():
    a = t64(3, 4, 6, 5)
    q = kf.attention_map(a)
    assert q.shape == (3, 30)
    np.testing.assert_allclose(q.numpy(), np_attention(a.numpy()), rtol=1e-12)
    np.testing.assert_allclose(q.norm(dim=1).numpy(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(kf.attention_map(5 * a).numpy(), q.numpy(), rtol=1e-12)  # the scale drops out

    s1, s2, t1, t2 = t64(2, 3, 14, 14), t64(2, 4, 7, 7), t64(2, 8, 7, 7), t64(2, 6, 7, 7)
    want = sum(((np_attention(s) - np_attention(t)) ** 2).mean()  # mean over examples and positions, per layer
               for s, t in ((np_block_mean(s1.numpy(), 2), t1.numpy()), (s2.numpy(), t2.numpy())))
    got = kf.attention_loss([s1, s2], [t1, t2], beta=1000.0)
    assert math.isclose(float(got), 1000.0 * want, rel_tol=1e-12)
    assert math.isclose(float(kf.attention_loss(s1, t1, beta=1.0)),
                        ((np_attention(np_block_mean(s1.numpy(), 2)) - np_attention(t1.numpy())) ** 2).mean(), rel_tol=1e-12)
    assert float(kf.attention_loss(s2, s2)) == 0.0
    with pytest.raises(ValueError, match="beta"):
        kf.attention_loss(s2, t2, beta=-1)


def np_adaptive_pool1d(x: np.ndarray, width: int) -> np.ndarray:
    """PyTorch's adaptive average pooling windows: [floor(i·L/w), ceil((i+1)·L/w))."""
    n = x.shape[1]
    return np.stack([x[:, (i * n) // width : -(-((i + 1) * n) // width)].mean(1) for i in range(width)], 1)


def np_cosine_loss(s: np.ndarray, t: np.ndarray) -> float:
    cos = (s * t).sum(1) / (np.linalg.norm(s, axis=1) * np.linalg.norm(t, axis=1))
    return float((1 - cos).mean())


def test_cosine_loss_matches_the_formula_with_width_pooling():
    s, t = t64(3, 8), t64(3, 32)
    want = np_cosine_loss(s.numpy(), t.numpy().reshape(3, 8, 4).mean(2))  # runs of 4 neighbours averaged
    assert math.isclose(float(kf.cosine_loss(s, t)), want, rel_tol=1e-10)
    ref = nn.CosineEmbeddingLoss()(s, kf.pool_width(t, 8), torch.ones(3, dtype=torch.float64))  # the tutorial's loss
    assert math.isclose(float(kf.cosine_loss(s, t)), float(ref), rel_tol=1e-12)
    s5, t12 = t64(2, 5), t64(2, 12)  # 12 / 5 is not whole: adaptive windows
    assert math.isclose(float(kf.cosine_loss(s5, t12)), np_cosine_loss(s5.numpy(), np_adaptive_pool1d(t12.numpy(), 5)),
                        rel_tol=1e-10)
    m = t64(2, 16, 7, 7)  # maps are flattened
    assert math.isclose(float(kf.cosine_loss(m, m)), 0.0, abs_tol=1e-12)
    assert math.isclose(float(kf.cosine_loss(s, -s)), 2.0, rel_tol=1e-12)


def test_gradients_reach_the_student_only():
    s, t = t64(2, 4, 14, 14).requires_grad_(), t64(2, 4, 7, 7).requires_grad_()
    (kf.hint_loss(s, t) + kf.attention_loss(s, t) + kf.cosine_loss(s, t)).backward()
    assert s.grad is not None and s.grad.abs().sum() > 0 and t.grad is None


def test_matched_shapes_and_pooling():
    a, b = t64(2, 3, 14, 14), t64(2, 5, 7, 7)
    pa, pb = kf.match_size(a, b)
    assert pa.shape == (2, 3, 7, 7) and pb is b
    np.testing.assert_allclose(pa.numpy(), np_block_mean(a.numpy(), 2), rtol=1e-12)
    pb2, pa2 = kf.match_size(b, a)  # either order
    assert pb2 is b and torch.equal(pa2, pa)
    assert kf.attention_map(a, size=(7, 7)).shape == (2, 49)
    x = t64(4, 3136)
    assert kf.pool_width(x, 784).shape == (4, 784) and kf.pool_width(x, 4000) is x


# ---------------------------------------------------------------- the student and the teacher's cached features


def test_student_shapes_and_size():
    m = kf.StudentCNN()
    logits, (f1, f2) = m.forward_features(torch.zeros(3, 1, 28, 28))
    assert logits.shape == (3, 10) and f1.shape == (3, 8, 14, 14) and f2.shape == (3, 16, 7, 7)
    assert sum(p.numel() for p in m.parameters()) == 80 + 1168 + 7850
    assert torch.equal(m(torch.ones(2, 1, 28, 28)), m.forward_features(torch.ones(2, 1, 28, 28))[0])
    with pytest.raises(ValueError, match="channels"):
        kf.StudentCNN((0, 4))


def test_feature_targets_shapes():
    n = 5
    maps = kf.TeacherFeatures(maps=(torch.rand(n, 32, 14, 14), torch.rand(n, 64, 7, 7)), passes=1)
    tg = kf.feature_targets(maps, kf.StudentCNN((4, 8)))
    assert tg.hint.shape == (n, 32, 14, 14) and tg.hidden.shape == (n, 8 * 49)
    assert [q.shape for q in tg.attention] == [(n, 196), (n, 49)] and tg.attention_sizes == ((14, 14), (7, 7))
    np.testing.assert_allclose(tg.hidden.numpy(), maps.maps[1].flatten(1).numpy().reshape(n, 392, 8).mean(2), rtol=1e-6)


def test_teacher_features_are_computed_once(res, cache):
    calls = []
    hook = res.teacher.features[0].register_forward_hook(lambda *a: calls.append(1))  # the teacher's first conv
    try:
        df = lf.features_compare(res, seeds=(0,), epochs=2, methods=("hint", "attention", "cosine", "logits+best"), n_train=128)
        first = len(calls)
        said = []
        again = lf.features_compare(res, seeds=(0,), epochs=2, methods=("hint", "attention", "cosine", "logits+best"), n_train=128,
                                    progress=lambda done, message: said.append(message))
    finally:
        hook.remove()
    assert first == math.ceil(len(res.data.x_train) / 1000)  # one pass over the train split, 1,000 digits a batch
    assert df.attrs["teacher_passes"] == 1
    assert len(calls) == first and again.attrs["teacher_passes"] == 0  # the second call reads the disk cache
    assert list(again["test_acc"]) == list(df["test_acc"])  # the cached maps are the computed ones
    assert len(list(cache.glob("teacher-features-*.npz"))) == 1
    best = df.attrs["best_feature"]
    means = df[df["method"].isin(kf.FEATURE_TERMS)].groupby("method")["test_acc"].mean()
    assert means[best] == means.max() and list(df["method"])[-1] == f"logits+{best}"
    assert (df["epochs"] == 2).all() and df.attrs["n_train"] == 128
    for lang in ("en", "zh"):  # each run's progress names its method in the learner's language, never by its key
        assert [render(m, lang) for m in said] == [tr("progress.lab_features", lang, method=method_label(m, lang=lang), seed=0)
                                                   for m in again["method"]]


def test_every_method_starts_from_the_same_weights(res):
    feats = kf.TeacherFeatures(maps=(torch.rand(len(res.data.x_train), 32, 14, 14), torch.rand(len(res.data.x_train), 64, 7, 7)),
                               passes=1)  # any targets: the weights barely move
    targets = kf.feature_targets(feats, kf.StudentCNN())
    still = kf.FeatureConfig(epochs=1, lr=1e-12, batch_size=64)  # lr ~ 0: the weights stay where they started
    index = torch.arange(64)  # one step
    for seed in (0, 1):
        start = kf.init_student(still.replace(seed=seed)).state_dict()
        for method in kf.METHODS:
            got = kf.train_features(res.data, res.logits, targets, still.replace(method=method, seed=seed),
                                    train_index=index).model.state_dict()
            for name, value in start.items():
                torch.testing.assert_close(got[name], value, rtol=0, atol=1e-9, msg=f"{method}, seed {seed}: {name}")
    w0, w1 = (kf.init_student(still.replace(seed=s)).block1[0].weight for s in (0, 1))
    assert not torch.equal(w0, w1)


def test_same_config_same_numbers(res):
    c = kf.FeatureConfig(method="labels", epochs=1)
    a, b = (kf.train_features(res.data, res.logits, None, c, train_index=torch.arange(256)) for _ in range(2))
    pd.testing.assert_frame_equal(a.history, b.history)
    with pytest.raises(ValueError, match="feature targets"):
        kf.train_features(res.data, res.logits, None, c.replace(method="hint"), train_index=torch.arange(64))
    with pytest.raises(ValueError, match="method must be one of"):
        kf.FeatureConfig(method="fitnet")


def test_features_json_summarises_seeds():
    df = pd.DataFrame({"method": ["labels", "labels", "hint", "hint"], "seed": [0, 1, 0, 1], "test_acc": [0.9, 0.92, 0.93, 0.94],
                       "params": 9098, "extra_params": [0, 0, 288, 288], "seconds": [1.0, 3.0, 2.0, 2.0], "epochs": 2,
                       "hard": 0.1, "term": 0.0})
    df.attrs.update(seeds=[0, 1], config=kf.FeatureConfig().to_dict(), best_feature="hint", n_train=4000, teacher_passes=1,
                    teacher_test_acc=0.98, wall_seconds=8.04)
    out = lf.features_json(df)
    assert [r["method"] for r in out["rows"]] == ["labels", "hint"]
    r = out["rows"][0]
    assert math.isclose(r["test_acc"], 0.91) and math.isclose(r["test_acc_std"], np.std([0.9, 0.92], ddof=1))
    assert r["seconds"] == 2.0 and r["params"] == 9098 and out["rows"][1]["extra_params"] == 288
    json.dumps(out, allow_nan=False)
    assert "hint" in lf.features_table(out) and "91.00 ± 1.41" in lf.features_table(out)


def test_public_names_resolve():
    for module in (kf, lf, cli_features):
        assert len(set(module.__all__)) == len(module.__all__) and all(hasattr(module, n) for n in module.__all__)
    assert cli_features.METHOD_CHOICES == (*kf.METHODS, "logits+best")


# ---------------------------------------------------------------- the CLI


def run(*args):
    return subprocess.run([sys.executable, "-m", "kdviz", *args], capture_output=True, text=True, timeout=300)


def test_cli_quick_json(capsys):
    assert main(["features", "--quick", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["method"] for r in out["rows"]][:5] == ["labels", "logits", "hint", "attention", "cosine"]
    assert out["rows"][-1]["method"] == f"logits+{out['best_feature']}"
    for r in out["rows"]:
        assert {"method", "test_acc", "test_acc_std", "params", "seconds"} <= set(r)
        assert 0 < r["test_acc"] <= 1 and r["test_acc_std"] is None and r["params"] == 9098 and r["seconds"] > 0
    assert out["quick"] is True and out["seeds"] == [0] and out["n_train"] == 1000 and out["config"]["epochs"] == 2
    assert out["teacher_passes"] in (0, 1)


def test_cli_human_output(capsys):
    assert main(["features", "--quick", "--methods", "labels", "--epochs", "1"]) == 0
    text = capsys.readouterr().out
    assert "labels" in text and "test acc %" in text and "1 epoch(s) on 1000 train digits" in text


@pytest.mark.parametrize("args, code, words", [
    (["features", "--epochs", "0"], 2, "epochs"),
    (["features", "--seeds", "-1"], 2, "seed"),
    (["features", "--seeds", "x"], 2, "seed"),
    (["features", "--methods", "fitnet"], 2, "invalid choice"),
    (["features", "--quick", "--seeds", "0", "0"], 1, "distinct"),
])
def test_cli_bad_arguments(args, code, words, cli_error):
    status, line = cli_error(args)
    assert status == code and words in line, line


def test_cli_bad_argument_in_a_real_process():
    p = run("features", "--epochs", "0", "--json")
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "epochs" in p.stderr


def test_readme_table_is_the_shipped_full_run(res):
    """The feature table of docs/lab.md, rounded as printed, is kdviz/results/features.json (the Lab's opening result)."""
    from kdviz.lab import shipped

    blob = json.loads((shipped.RESULTS / "features.json").read_text())
    out = blob["result"]
    assert out["seeds"] == [0, 1, 2] and out["config"]["epochs"] == lf.FULL_EPOCHS and out["n_train"] == 4000
    assert blob["provenance"]["command"] == "python -m kdviz features --seeds 0 1 2"
    readme = (shipped.RESULTS.parents[1] / "docs" / "lab.md").read_text(encoding="utf-8")
    names = {"labels": "labels only", "logits": "logits (KD)", "hint": "hint", "attention": "attention", "cosine": "cosine"}
    for r in out["rows"]:
        name = names.get(r["method"]) or "logits + " + r["method"].split("+")[1]
        per_seed = ", ".join(f"{100 * a:.1f}" for a in r["test_acc_per_seed"])
        row = f"| {name} | {100 * r['test_acc']:.2f} ± {100 * r['test_acc_std']:.2f} % | {per_seed} | {r['params']:,}"
        assert row in readme, row
    students = lf.load_students([r["method"] for r in out["rows"]], data_fingerprint=blob["provenance"]["data_fingerprint"])
    assert set(students) == {r["method"] for r in out["rows"]}  # the maps' students, shipped beside it
    from kdviz.train.loop import predict_logits

    for r in out["rows"]:  # each is the first seed's run: its accuracy is that seed's
        acc = float((predict_logits(students[r["method"]], res.data.x_test).argmax(1) == res.data.y_test).float().mean())
        assert acc == r["test_acc_per_seed"][0], r["method"]
