"""kdviz/viz/live/kdmath.js, the browser's copy of kdviz's math, equals kdviz to 1e-6 in a real browser.

Debian's chromium through Playwright (one browser for the module, an ``about:blank`` page, no server):
the file's text is evaluated alone in strict mode (as the contract allows) and as an ES module, and every
function is compared with kdviz on the real data: the shipped teacher's logits and the logits of a
seeded student (untrained, and after 3 epochs of distillation) on one ambiguous test digit, one very
confident one (logit range 45: at T = 0.5 its float32 softmax reaches 1e-39, subnormal) and all 1000
test digits, at T ∈ {0.5, 1, 2, 4, 7.5, 20} and γ ∈ {0, 0.3, 0.7, 1} (and the pages' T × γ grid). The
TCKD / NCKD twins (``targetCurve``, ``nonTarget``, ``weightSummary``, ``decompositionCurves``) equal
:mod:`kdviz.maths.darkknowledge` (float64) and a numpy log-space formula there too, and on logits of ±1e4.

Both sides see identical inputs: the float32 logits go to the browser as base64 of little-endian
float32 (decoded by ``decodeF32``) and to kdviz as float64 tensors of the same values.
``explore.loss_curves`` / ``loss_grid`` / ``soften_row`` accept float64 and are compared at 1e-6
(absolute, or relative above 1). ``explore.entropy_curve``, ``dark_knowledge_map`` and
``soft_gradient_norms`` cast to float32 themselves: the JS is compared at 1e-6 with kdviz's own
building blocks run in float64 (``soften``, ``metrics.entropy_bits``, autograd of
``distillation_loss``) and with independent numpy formulas, and with those kdviz functions as they
are within ``F32_TOL`` (float32 rounding; see there).

Prints the largest error per function and the browser's time per call (not asserted: timings are
benchmarks). Skips with the reason when chromium or playwright is absent, unless
``KDVIZ_REQUIRE_BROWSER=1``, where that is a failure.
"""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest
import torch
from browser import ROOT, needs_browser

from kdviz.maths import darkknowledge, explore
from kdviz.maths.losses import decompose_kd, distillation_loss, soften
from kdviz.maths.metrics import entropy_bits
from kdviz.train import reference

SHOTS = ROOT / "artifacts" / "screenshots"  # the conftest ``browser`` fixture wants it; nothing is shot here
KDMATH = (ROOT / "kdviz" / "viz" / "live" / "kdmath.js", ROOT / "kdviz" / "viz" / "live" / "kdmath_dkd.js")  # evaluated together, in order


def kdmath_source() -> str:
    return "\n".join(path.read_text() for path in KDMATH)
NAMES = ["T_GRID", "GAMMA_GRID", "decodeF32", "decodeU8", "softmaxRow", "softmaxRows", "entropyBits",
         "darkKnowledgeMap", "topConfusions", "lossAt", "lossCurves", "lossGrid", "gradNorms",
         "targetCurve", "nonTarget", "weightSummary", "decompositionCurves"]
TS = [0.5, 1.0, 2.0, 4.0, 7.5, 20.0]
GAMMAS = [0.0, 0.3, 0.7, 1.0]
TOL = 1e-6  # the contract: absolute, or relative for values > 1
# kdviz's float32 functions (entropy_curve, dark_knowledge_map, soft_gradient_norms) against the JS's
# float64: float32 rounds to u = 2**-24 ≈ 6e-8 relative, and a softmax of logits / T up to ~90 (T = 0.5)
# then a mean over 1000 rows add a few u to values ≤ log2(10) bits, ≤ 1, or norms of differences of
# such probabilities. Measured here: ≤ 3.5e-7 (printed), i.e. within the contract's 1e-6 too; the
# test allows 2e-6 so that another CPU's float32 summation order can't fail it. The float64 references
# above are held to TOL.
F32_TOL = 2e-6
C = 10

pytestmark = needs_browser("the live-math browser test")


def b64f32(a) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode()


def b64u8(a) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode()


def unb64(s: str) -> np.ndarray:
    """A Float64Array sent back by the page's ``B64`` (exact, and much faster than JSON for 10⁴ numbers)."""
    return np.frombuffer(base64.b64decode(s), dtype="<f8")


def err(js, ref) -> float:
    """Largest error of ``js`` against ``ref``: absolute, relative where |ref| > 1; NaN must meet NaN."""
    js, ref = np.asarray(js, dtype=float), np.asarray(ref, dtype=float)
    assert js.shape == ref.shape, (js.shape, ref.shape)
    nan = np.isnan(ref)
    assert (np.isnan(js) == nan).all(), "NaN in different places"
    if nan.all():
        return 0.0
    d = np.abs(js[~nan] - ref[~nan]) / np.maximum(1.0, np.abs(ref[~nan]))
    return float(d.max())


ERRORS: dict[str, float] = {}


def check(what: str, js, ref, tol: float = TOL) -> None:
    e = err(js, ref)
    ERRORS[what] = max(ERRORS.get(what, 0.0), e)
    assert e <= tol, f"{what}: error {e:.3g} > {tol:g}"


def report(capsys, prefix: str) -> None:
    with capsys.disabled():
        for what, e in sorted(ERRORS.items()):
            if what.startswith(prefix):
                print(f"\n  kdmath {what}: max error {e:.2e}", end="")
        print()


# --- numpy float64 formulas, independent of kdviz and of the JS -------------------------------------

def np_softmax(z, T):
    x = np.asarray(z, dtype=float) / T
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_entropy(z, T):
    p = np_softmax(z, T)
    return float(-np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0).sum(-1).mean())


def np_dark_map(z, y, T):
    p = np_softmax(z, T)
    return np.array([p[y == c].mean(0) if (y == c).any() else np.full(C, np.nan) for c in range(C)])


def np_grad_norms(s, t, y, T):
    soft = T / len(s) * np.linalg.norm(np_softmax(s, T) - np_softmax(t, T))
    lab = y >= 0
    g = np_softmax(s[lab], 1.0)
    g[np.arange(lab.sum()), y[lab]] -= 1.0
    hard = np.linalg.norm(g) / lab.sum() if lab.any() else 0.0
    return soft, soft / T**2, hard


def kdviz_grad_norms_f64(s, t, y, T):
    """explore.soft_gradient_norms' body on float64 tensors (it casts to float32): autograd of kdviz's loss."""
    z = torch.from_numpy(s).double().requires_grad_(True)
    loss = distillation_loss(z, torch.from_numpy(t).double(), torch.from_numpy(y), T, 0.5)
    (g_soft,) = torch.autograd.grad(loss.soft, z, retain_graph=True)
    (g_hard,) = torch.autograd.grad(loss.hard, z)
    return float(g_soft.norm()), float(g_soft.norm()) / T**2, float(g_hard.norm())


# --- fixtures -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(res):
    """Real logits: the teacher's and two students' on the test digits, as float32 numpy arrays, and the labels."""
    states = reference.student_states(res, partial_epochs=1, full_epochs=3)  # ~3 s; the page's reference student, shorter
    teacher = res.logits.test.numpy().astype(np.float32)
    y = res.data.y_test.numpy().astype(np.int64)
    gap = teacher.max(1) - teacher.min(1)
    picks = {
        "one ambiguous digit": [explore.ambiguous_digit(res.logits.test, res.data.y_test)],
        "one confident digit": [int(np.argmax(gap))],  # logit range ~45: float32 subnormal tails at T = 0.5
        "all 1000 digits": list(range(len(y))),
    }
    logits = {"teacher": teacher, **{f"{k} student": v.numpy().astype(np.float32)
                                     for k, v in states.logits.items() if k in ("untrained", "trained")}}
    return {"picks": picks, "logits": logits, "y": y}


@pytest.fixture(scope="module")
def page(browser, real):
    """about:blank with kdmath.js evaluated alone (strict mode) as ``window.K``, and every logit set
    decoded from base64 in ``window.L[name][pick]`` = {z: Float32Array, y: Uint8Array, n}."""
    p = browser.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto("about:blank")
    p.evaluate("([src, names]) => { window.K = new Function('\"use strict\";\\n' + src + "
               "'\\nreturn {' + names.join(', ') + '};')(); }", [kdmath_source(), NAMES])
    payload = {name: {pick: {"z": b64f32(z[idx]), "y": b64u8(real["y"][idx]), "n": len(idx)}
                      for pick, idx in real["picks"].items()} for name, z in real["logits"].items()}
    p.evaluate("""(payload) => {
        window.B64 = (f64) => {  // float64 array → base64 of its little-endian bytes
            const b = new Uint8Array(f64.buffer, f64.byteOffset, f64.byteLength);
            let s = '';
            for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
            return btoa(s);
        };
        window.L = {};
        for (const [name, picks] of Object.entries(payload)) {
            window.L[name] = {};
            for (const [pick, d] of Object.entries(picks))
                window.L[name][pick] = {z: K.decodeF32(d.z), y: K.decodeU8(d.y), n: d.n};
        }
    }""", payload)
    yield p
    assert not errors, errors
    p.close()


def cases(real, *, students: bool):
    """(logit-set name, pick, logits (n, C), labels (n,)); with ``students``, the student sets only."""
    for name, z in real["logits"].items():
        if students and name == "teacher":
            continue
        for pick, idx in real["picks"].items():
            yield name, pick, z[idx], real["y"][idx]


# --- tests ----------------------------------------------------------------------------------------------

def test_loads_alone_and_as_an_es_module(page):
    src = kdmath_source()
    assert not any(line.lstrip().startswith(("import ", "export ")) for line in src.splitlines())
    page.add_script_tag(content=src + "\nwindow.__kdmathModule = typeof lossAt === 'function';", type="module")
    page.wait_for_function("window.__kdmathModule === true")
    assert page.evaluate("Object.keys(K).length") == len(NAMES)


def test_grids_equal_explore(page):
    grids = page.evaluate("[Array.from(K.T_GRID), Array.from(K.GAMMA_GRID)]")
    assert grids[0] == explore.T_GRID.tolist()  # exactly
    assert grids[1] == explore.GAMMA_GRID.tolist()


def test_decoders_are_exact(page, real):
    teacher = real["logits"]["teacher"]
    decoded = page.evaluate("[Array.from(L.teacher['all 1000 digits'].z), Array.from(L.teacher['all 1000 digits'].y)]")
    assert np.array_equal(np.array(decoded[0]), teacher.astype(float).ravel())
    assert decoded[1] == real["y"].tolist()
    msg = page.evaluate("() => { try { K.decodeF32('AAAA'); return null; } catch (e) { return e.message; } }")
    assert msg and "multiple of 4" in msg  # 3 bytes


def test_softmax(page, real, capsys):
    js = page.evaluate("""(Ts) => {
        const out = {};
        for (const [name, picks] of Object.entries(L)) for (const [pick, d] of Object.entries(picks)) {
            const C = d.z.length / d.n;
            out[name + '|' + pick] = Ts.map(T => {
                const rows = new Float64Array(d.n * C);  // softmaxRow on each row, and softmaxRows on all
                for (let r = 0; r < d.n; r++) rows.set(K.softmaxRow(d.z.subarray(r * C, (r + 1) * C), T), r * C);
                return [B64(rows), B64(K.softmaxRows(d.z, d.n, C, T))];
            });
        }
        return out;
    }""", TS)
    for name, pick, z, _ in cases(real, students=False):
        for T, (rows, all_rows) in zip(TS, js[f"{name}|{pick}"]):
            rows, all_rows = unb64(rows), unb64(all_rows)
            if len(z) == 1:
                ref = explore.soften_row(torch.from_numpy(z[0]), T)
            else:
                ref = soften(torch.from_numpy(z).double(), T).numpy()  # what soften_row does, row by row
            check("softmaxRow vs kdviz float64", np.reshape(rows, ref.shape), ref)
            check("softmaxRows vs kdviz float64", np.reshape(all_rows, ref.shape), ref)
            check("softmaxRow vs numpy", np.reshape(rows, (len(z), C)), np_softmax(z, T))
    report(capsys, "softmax")


def test_entropy(page, real, capsys):
    js = page.evaluate("""(Ts) => {
        const out = {};
        for (const [name, picks] of Object.entries(L)) for (const [pick, d] of Object.entries(picks))
            out[name + '|' + pick] = Ts.map(T => K.entropyBits(d.z, T, d.n));
        return out;
    }""", TS)
    for name, pick, z, _ in cases(real, students=False):
        got = js[f"{name}|{pick}"]
        zt = torch.from_numpy(z)
        f64 = [float(entropy_bits(soften(zt.double(), T)).mean()) for T in TS]  # kdviz's functions in float64
        check("entropyBits vs kdviz float64", got, f64)
        check("entropyBits vs numpy", got, [np_entropy(z, T) for T in TS])
        as_is = explore.entropy_curve(zt if len(z) > 1 else zt[0], TS)["entropy_bits"].to_numpy()  # float32 inside
        check("entropyBits vs explore.entropy_curve (float32)", got, as_is, F32_TOL)
        assert 0 <= min(got) and max(got) <= math.log2(C) + 1e-12
    report(capsys, "entropy")


def test_dark_knowledge_map_and_top_confusions(page, real, capsys):
    js = page.evaluate("""(Ts) => {
        const out = {};
        for (const [name, picks] of Object.entries(L)) for (const [pick, d] of Object.entries(picks)) {
            const C = d.z.length / d.n;
            out[name + '|' + pick] = Ts.map(T => Array.from(K.darkKnowledgeMap(d.z, d.n, C, d.y, T)));
        }
        return out;
    }""", TS)
    maps = []  # (kdviz's float32 map, numpy float64 map, JS map)
    for name, pick, z, y in cases(real, students=False):
        for T, got in zip(TS, js[f"{name}|{pick}"]):
            got = np.reshape(got, (C, C))
            ref64 = np_dark_map(z, y, T)
            as_is = explore.dark_knowledge_map(torch.from_numpy(z), torch.from_numpy(y), T)  # float32 inside
            check("darkKnowledgeMap vs numpy float64", got, ref64)
            check("darkKnowledgeMap vs explore (float32)", got, as_is, F32_TOL)
            maps.append((as_is, ref64, got))
    # topConfusions on the same matrices as explore.top_confusions: kdviz's float32 maps and the float64 ones
    ks = [5, 9, 90]
    tops = page.evaluate("([mats, ks]) => mats.map(m => ks.map(k => K.topConfusions(m, 10, k)))",
                         [[m.ravel().tolist() for ms in maps for m in ms], ks])
    for i, (as_is, ref64, got) in enumerate(maps):
        for j, k in enumerate(ks):
            for m, js_top in ((as_is, tops[3 * i][j]), (ref64, tops[3 * i + 1][j])):
                ref = explore.top_confusions(m, k=k)
                assert len(js_top) == len(ref) == k
                off = m[~np.eye(C, dtype=bool)]
                finite = int(np.isfinite(off).sum())  # after them come the diagonal (−inf) and empty rows (NaN)
                cells = [(c["true"], c["like"]) for c in js_top]
                p = np.array([c["p"] for c in js_top], dtype=float)
                assert np.array_equal(p[:finite], ref["p"].to_numpy()[:finite])  # the same values in the same order
                assert not np.isfinite(p[finite:]).any()
                assert all(np.array_equal([m[r, c] if r != c else -np.inf], [q], equal_nan=True)
                           for (r, c), q in zip(cells, p))
                n = min(k, finite)  # kdviz sorts stably: the same cells, ties included
                assert cells[:n] == list(zip(ref["true"], ref["looks like"]))[:n], (k, cells, ref)
                if k == 90:
                    assert sorted(cells) == [(r, c) for r in range(C) for c in range(C) if r != c] or finite < 90
            # the browser's own pipeline (its map, then its top 5) picks the cells of the float64 one
            if k == 5:
                assert [(c["true"], c["like"]) for c in tops[3 * i + 2][j]] == \
                       [(c["true"], c["like"]) for c in tops[3 * i + 1][j]]
    report(capsys, "darkKnowledgeMap")


def test_top_confusions_ties_and_empty_rows(page):
    """Equal values come in the order of a stable argsort, reversed (the larger row-major index first);
    NaN rows and the diagonal sort last, with kdviz's p (NaN, −inf)."""
    m = np.full((C, C), 0.05)
    m[3, 5] = m[5, 3] = m[8, 1] = 0.2
    m[7] = np.nan
    for k in (3, 10, 100):
        js = page.evaluate("([m, k]) => K.topConfusions(m, 10, k).map(c => [c.true, c.like, c.p])", [m.ravel().tolist(), k])
        key = np.where(np.eye(C, dtype=bool), -np.inf, np.nan_to_num(m, nan=-np.inf))
        flat = np.argsort(key, axis=None, kind="stable")[::-1][:k]
        rows, cols = np.unravel_index(flat, m.shape)
        want = [[int(r), int(c), float(-np.inf if r == c else m[r, c])] for r, c in zip(rows, cols)]
        assert [c[:2] for c in js] == [c[:2] for c in want]
        assert np.array_equal(np.array([c[2] for c in js], dtype=float), np.array([c[2] for c in want]), equal_nan=True)
        ref = explore.top_confusions(m, k=k)  # kdviz sorts stably too: the same cells, ties included
        n = int(np.isfinite(ref["p"]).sum())  # after them, kdviz puts the diagonal before empty rows; the page shows neither
        assert [c[:2] for c in js][:n] == [[int(r), int(c)] for r, c in zip(ref["true"], ref["looks like"])][:n]
        assert np.array_equal(ref["p"].to_numpy()[:n], np.array([c[2] for c in js], dtype=float)[:n])
    assert js[0][:2] == [8, 1] and js[1][:2] == [5, 3] and js[2][:2] == [3, 5]


LOSS_JS = """([Ts, gammas, TG, GG]) => {
    const out = {};
    for (const [name, picks] of Object.entries(L)) {
        if (name === 'teacher') continue;
        for (const [pick, d] of Object.entries(picks)) {
            const t = L.teacher[pick].z, C = d.z.length / d.n;
            for (const half of [false, true]) {
                if (half && d.n === 1) continue;
                const y = half ? Array.from(d.y, (v, i) => (i % 2 ? -1 : v)) : d.y;  // every other row unlabelled
                const full = d.n > 1 && !half;  // the pages' whole T × γ grid: on all the digits, labelled
                out[name + '|' + pick + '|' + half] = {
                    at: Ts.map(T => gammas.map(g => K.lossAt(d.z, t, d.n, C, y, T, g))),
                    curves: gammas.map(g => K.lossCurves(d.z, t, d.n, C, y, Ts, g)),
                    small: Array.from(K.lossGrid(d.z, t, d.n, C, y, Ts, gammas)),
                    curvesT: full ? K.lossCurves(d.z, t, d.n, C, y, TG, 1.0) : null,
                    grid: full ? Array.from(K.lossGrid(d.z, t, d.n, C, y, TG, GG)) : null,
                    grads: Ts.map(T => K.gradNorms(d.z, t, d.n, C, y, T)),
                };
            }
        }
    }
    return out;
}"""


@pytest.fixture(scope="module")
def losses_js(page):
    return page.evaluate(LOSS_JS, [TS, GAMMAS, explore.T_GRID.tolist(), explore.GAMMA_GRID.tolist()])


def loss_cases(real):
    for name, pick, s, y in cases(real, students=True):
        t = real["logits"]["teacher"][real["picks"][pick]]
        yield name, pick, False, s, t, y
        if len(y) > 1:
            yield name, pick, True, s, t, np.where(np.arange(len(y)) % 2 == 1, -1, y)


def test_losses(losses_js, real, capsys):
    full = 0
    for name, pick, half, s, t, y in loss_cases(real):
        got = losses_js[f"{name}|{pick}|{str(half).lower()}"]
        s64, t64, yt = torch.from_numpy(s).double(), torch.from_numpy(t).double(), torch.from_numpy(y)
        for i, g in enumerate(GAMMAS):
            ref = explore.loss_curves(s64, t64, yt, gamma=g, temperatures=TS)  # row j = loss_curves(..., [TS[j]])
            for j, per_gamma in enumerate(got["at"]):
                js = per_gamma[i]
                check("lossAt vs explore.loss_curves", [js["soft"], js["hard"], js["total"]],
                      ref.iloc[j][["soft", "hard", "total"]].to_numpy(dtype=float))
            for col in ("soft", "hard", "total"):
                check("lossCurves vs explore.loss_curves", got["curves"][i][col], ref[col].to_numpy())
        check("lossGrid vs explore.loss_grid", np.reshape(got["small"], (len(GAMMAS), len(TS))),
              explore.loss_grid(s64, t64, yt, temperatures=TS, gammas=GAMMAS))
        if got["grid"] is not None:
            full += 1
            ref = explore.loss_curves(s64, t64, yt, gamma=1.0)  # T_GRID
            for col in ("soft", "hard", "total"):
                check("lossCurves vs explore.loss_curves", got["curvesT"][col], ref[col].to_numpy())
            check("lossGrid vs explore.loss_grid", np.reshape(got["grid"], (len(explore.GAMMA_GRID), len(explore.T_GRID))),
                  explore.loss_grid(s64, t64, yt))
    assert full == 2
    assert max(v["at"][1][0]["soft"] for v in losses_js.values()) > 0.1  # real, non-trivial losses were compared
    report(capsys, "loss")


def test_gradient_norms(losses_js, real, capsys):
    for name, pick, half, s, t, y in loss_cases(real):
        got = losses_js[f"{name}|{pick}|{str(half).lower()}"]["grads"]
        js = np.array([[g["soft_T2"], g["soft_plain"], g["hard"]] for g in got])
        check("gradNorms vs kdviz float64 autograd", js, [kdviz_grad_norms_f64(s, t, y, T) for T in TS])
        check("gradNorms vs numpy", js, [np_grad_norms(s, t, y, T) for T in TS])
        as_is = explore.soft_gradient_norms(torch.from_numpy(s), torch.from_numpy(t), torch.from_numpy(y), temperatures=TS)
        check("gradNorms vs explore.soft_gradient_norms (float32)", js,
              as_is[["grad_soft_T2", "grad_soft_plain", "grad_hard"]].to_numpy(), F32_TOL)
    report(capsys, "gradNorms")


# --- TCKD and NCKD (kdviz.maths.darkknowledge) --------------------------------------------------------------

def np_log_softmax(z, T):
    x = np.asarray(z, dtype=float) / T
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def np_lse(x, axis=-1):
    m = x.max(axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis, keepdims=True))).squeeze(axis)


def np_decompose(s, t, y, T):
    """Per row (kd, tckd, nckd, weight) in log space, numpy float64, independent of kdviz and the JS."""
    lp, lq = np_log_softmax(t, T), np_log_softmax(s, T)  # (N, C)
    rows = np.arange(len(y))
    rest = np.ones_like(lp, dtype=bool)
    rest[rows, y] = False
    lrp = np_lse(np.where(rest, lp, -np.inf))  # log(1 − p_t), (N,)
    lrq = np_lse(np.where(rest, lq, -np.inf))
    p = np.exp(lp)

    def kl(p_, lp_, lq_):  # Σ p (log p − log q), a term with p = 0 adding 0
        with np.errstate(invalid="ignore"):
            return np.where(p_ > 0, p_ * (np.where(p_ > 0, lp_, 0.0) - np.where(p_ > 0, lq_, 0.0)), 0.0).sum(-1)

    kd = kl(p, lp, lq)
    bp, blp = np.stack([p[rows, y], np.exp(lrp)], 1), np.stack([lp[rows, y], lrp], 1)
    tckd = kl(bp, blp, np.stack([lq[rows, y], lrq], 1))
    lph = np.where(rest, lp - lrp[:, None], -np.inf)
    lqh = np.where(rest, lq - lrq[:, None], -np.inf)
    nckd = kl(np.exp(lph), lph, lqh)
    return kd, tckd, nckd, np.exp(lrp)


EXTREME_T = [0.5, 1.0, 4.0, 20.0]


def extreme_logits():
    """Rows of ±1e4 (and 0) logits: a teacher and a student certain of the same, of another, or of no class."""
    rng = np.random.default_rng(0)
    t = rng.choice([-1e4, 0.0, 1e4], size=(24, C))
    s = rng.choice([-1e4, 0.0, 1e4], size=(24, C))
    t[0], s[0] = np.r_[1e4, [-1e4] * 9], np.r_[1e4, [-1e4] * 9]  # equal and certain: everything 0
    t[1], s[1] = np.r_[1e4, [-1e4] * 9], np.r_[[-1e4] * 9, 1e4]  # certain of different classes
    t[2], s[2] = np.r_[[-1e4] * 9, 1e4], np.r_[1e4, [-1e4] * 9]
    y = rng.integers(0, C, size=24)
    y[:3] = 0
    return s.astype(np.float32), t.astype(np.float32), y  # ±1e4 and 0 are exact in float32


DKD_JS = """([Ts, TG, edges, small, extreme]) => {
    const out = {};
    for (const [pick, d] of Object.entries(L.teacher)) {
        const C = d.z.length / d.n, rows = [];
        for (let r = 0; r < Math.min(d.n, 3); r++) {  // the first rows of each pick: curves and p̂ per row
            const z = d.z.subarray(r * C, (r + 1) * C);
            rows.push({curve: K.targetCurve(z, d.y[r], TG), nt: Ts.map(T => { const o = K.nonTarget(z, d.y[r], T);
                return [Array.from(o.p), Array.from(o.p_hat)]; })});
        }
        out['teacher|' + pick] = {rows, weights: Ts.map(T => K.weightSummary(d.z, d.n, C, d.y, T, edges, small))};
    }
    for (const [name, picks] of Object.entries(L)) {
        if (name === 'teacher') continue;
        for (const [pick, d] of Object.entries(picks)) {
            const t = L.teacher[pick].z, C = d.z.length / d.n;
            out[name + '|' + pick] = {curves: K.decompositionCurves(d.z, t, d.n, C, d.y, Ts),
                                      t2: K.decompositionCurves(d.z, t, d.n, C, d.y, Ts, true),
                                      grid: d.n > 1 ? K.decompositionCurves(d.z, t, d.n, C, d.y, TG, true) : null};
        }
    }
    const [s, t, y] = [K.decodeF32(extreme.s), K.decodeF32(extreme.t), K.decodeU8(extreme.y)], n = y.length;
    out.extreme = {rows: Array.from({length: n}, (_, r) => K.decompositionCurves(s.subarray(10 * r, 10 * r + 10),
                       t.subarray(10 * r, 10 * r + 10), 1, 10, [y[r]], Ts)),
                   all: K.decompositionCurves(s, t, n, 10, y, Ts),
                   curve: Array.from({length: n}, (_, r) => K.targetCurve(t.subarray(10 * r, 10 * r + 10), y[r], Ts)),
                   nt: Array.from({length: n}, (_, r) => { const o = K.nonTarget(t.subarray(10 * r, 10 * r + 10), y[r], Ts[0]);
                       return [Array.from(o.p), Array.from(o.p_hat)]; }),
                   weights: K.weightSummary(t, n, 10, y, Ts[0], edges, small)};
    return out;
}"""


@pytest.fixture(scope="module")
def dkd_js(page):
    s, t, y = extreme_logits()
    return page.evaluate(DKD_JS, [TS, explore.T_GRID.tolist(), list(darkknowledge.WEIGHT_BINS), darkknowledge.SMALL_WEIGHT,
                                  {"s": b64f32(s), "t": b64f32(t), "y": b64u8(y)}])


def test_target_curve_and_non_target(dkd_js, real, capsys):
    teacher = real["logits"]["teacher"]
    for pick, idx in real["picks"].items():
        for r, got in enumerate(dkd_js[f"teacher|{pick}"]["rows"]):
            z, label = teacher[idx[r]], int(real["y"][idx[r]])
            ref = darkknowledge.target_curve(torch.from_numpy(z), label)  # T_GRID
            check("targetCurve vs darkknowledge", [got["curve"]["p_t"], got["curve"]["weight"]], [ref["p_t"], ref["weight"]])
            lp = np_log_softmax(z, explore.T_GRID[:, None])  # (K, C)
            check("targetCurve vs numpy", [got["curve"]["p_t"], got["curve"]["weight"]],
                  [np.exp(lp[:, label]), np.exp(np_lse(np.delete(lp, label, axis=1)))])
            for T, (p, p_hat) in zip(TS, got["nt"]):
                ref = darkknowledge.non_target(torch.from_numpy(z), label, T)
                check("nonTarget vs darkknowledge", [p, p_hat], [ref["p"], ref["p_hat"]])
                want = np_softmax(z, T)
                hat = np.where(np.arange(C) == label, 0.0, want)
                check("nonTarget vs numpy", [p, p_hat], [want, hat / hat.sum()])
                assert p_hat[label] == 0 and abs(sum(p_hat) - 1) < 1e-12
    for r, (got, nt) in enumerate(zip(dkd_js["extreme"]["curve"], dkd_js["extreme"]["nt"])):  # ±1e4: finite, exact
        s, t, y = extreme_logits()
        ref = darkknowledge.target_curve(t[r], int(y[r]), TS)
        check("targetCurve vs darkknowledge (±1e4)", [got["p_t"], got["weight"]], [ref["p_t"], ref["weight"]])
        ref = darkknowledge.non_target(t[r], int(y[r]), TS[0])
        check("nonTarget vs darkknowledge (±1e4)", nt, [ref["p"], ref["p_hat"]])
    report(capsys, "targetCurve")
    report(capsys, "nonTarget")


def test_weight_summary(dkd_js, real, capsys):
    teacher = real["logits"]["teacher"]
    for pick, idx in real["picks"].items():
        z, y = teacher[idx], real["y"][idx]
        for T, got in zip(TS, dkd_js[f"teacher|{pick}"]["weights"]):
            ref = darkknowledge.weight_summary(torch.from_numpy(z), torch.from_numpy(y), T)
            check("weightSummary vs darkknowledge", [got["mean"], got["median"], got["small"]], [ref.mean, ref.median, ref.small])
            assert got["counts"] == ref.hist["count"].tolist(), (pick, T)  # the same bins: exactly the same counts
            check("weightSummary vs darkknowledge", got["share"], ref.hist["share"])
            w = np_decompose(z, z, y, T)[3]  # numpy: 1 − p_t per row
            check("weightSummary vs numpy", [got["mean"], got["median"]], [w.mean(), np.median(w)])
            assert got["counts"] == np.histogram(w, bins=darkknowledge.WEIGHT_BINS)[0].tolist()
    s, t, y = extreme_logits()
    ref = darkknowledge.weight_summary(t, y, TS[0])
    got = dkd_js["extreme"]["weights"]
    check("weightSummary vs darkknowledge (±1e4)", [got["mean"], got["median"]], [ref.mean, ref.median])
    assert got["counts"] == ref.hist["count"].tolist()
    report(capsys, "weightSummary")


def test_decomposition_curves(dkd_js, real, capsys):
    keys = ("tckd", "weighted_nckd", "nckd", "kd", "nckd_share")
    for name, pick, s, y in cases(real, students=True):
        t = real["logits"]["teacher"][real["picks"][pick]]
        got = dkd_js[f"{name}|{pick}"]
        s64, t64, yt = torch.from_numpy(s).double(), torch.from_numpy(t).double(), torch.from_numpy(y)
        for t2 in (False, True):
            ref = darkknowledge.decomposition_curves(s64, t64, yt, TS, t2=t2)
            check("decompositionCurves vs darkknowledge", [got["t2" if t2 else "curves"][k] for k in keys], [ref[k] for k in keys])
        kd, tckd, nckd, w = (np.stack(v) for v in zip(*(np_decompose(s, t, y, T) for T in TS)))  # (K, N) each
        check("decompositionCurves vs numpy", [got["curves"][k] for k in keys],
              [tckd.mean(1), (w * nckd).mean(1), nckd.mean(1), kd.mean(1), (w * nckd).mean(1) / kd.mean(1)])
        soft = explore.loss_curves(s64, t64, yt, gamma=1.0, temperatures=TS)["soft"]  # T²·KL: the Losses page's soft loss
        check("decompositionCurves(t2) vs explore.loss_curves soft", got["t2"]["kd"], soft)
        if got["grid"] is not None:
            ref = darkknowledge.decomposition_curves(s64, t64, yt, t2=True)  # T_GRID, as the page draws it
            check("decompositionCurves vs darkknowledge", [got["grid"][k] for k in keys], [ref[k] for k in keys])
    s, t, y = extreme_logits()  # ±1e4: finite everywhere, against kdviz's log-space decompose_kd in float64
    s64, t64 = torch.from_numpy(s).double(), torch.from_numpy(t).double()
    for r, got in enumerate(dkd_js["extreme"]["rows"]):
        ref = darkknowledge.decomposition_curves(s64[r], t64[r], torch.tensor([int(y[r])]), TS)
        js = np.array([got[k] for k in keys], dtype=float)
        assert np.isfinite(js[:4]).all(), (r, js)
        check("decompositionCurves vs darkknowledge (±1e4)", js, [ref[k] for k in keys])
        for T, kd in zip(TS, got["kd"]):
            d = decompose_kd(s64[r:r + 1], t64[r:r + 1], torch.tensor([int(y[r])]), T)
            assert err([kd], [float(d.kd[0])]) <= TOL
    all_ = dkd_js["extreme"]["all"]
    ref = darkknowledge.decomposition_curves(s64, t64, torch.from_numpy(y), TS)
    check("decompositionCurves vs darkknowledge (±1e4)", [all_[k] for k in keys], [ref[k] for k in keys])
    assert max(all_["kd"]) > 1e3  # the extreme rows are far apart: large, finite KL
    assert dkd_js["extreme"]["rows"][0]["kd"] == [0] * len(TS) and all(np.isnan(dkd_js["extreme"]["rows"][0]["nckd_share"]))
    report(capsys, "decompositionCurves")


def test_bad_input_is_one_clear_line(page):
    msgs = page.evaluate("""() => {
        const z = new Float32Array(10), y = new Uint8Array(1), out = [];
        for (const f of [() => K.softmaxRow(z, 0), () => K.lossAt(z, z, 1, 10, y, NaN, 0.5),
                         () => K.lossAt(z, z, 1, 10, y, 1, 1.5), () => K.gradNorms(z, z, 2, 10, [0, 0], 1),
                         () => K.lossAt(z, z, 1, 10, [12], 1, 0.5), () => K.decompositionCurves(z, z, 1, 10, [-1], [1]),
                         () => K.weightSummary(z, 1, 10, [10], 1, [0, 1]), () => K.targetCurve(z, 3, [0])])
            try { f(); out.push(null); } catch (e) { out.push(e.constructor.name + ': ' + e.message); }
        return out;
    }""")
    assert all(m and m.startswith("RangeError") and "\n" not in m for m in msgs), msgs
    assert "temperature T" in msgs[0] and "gamma" in msgs[2] and "n × C" in msgs[3] and "label 12" in msgs[4], msgs
    assert "label -1" in msgs[5] and "label 10" in msgs[6] and "temperature T" in msgs[7], msgs


def test_speed_is_printed(page, capsys):
    """Time per call in the browser for 1000 × 10 logits (printed, not asserted: a benchmark, on a shared machine)."""
    t = page.evaluate("""() => {
        const d = L.teacher['all 1000 digits'], s = L['trained student']['all 1000 digits'];
        const n = d.n, C = 10, probs = new Float64Array(n * C), map = new Float64Array(C * C);
        const time = (f) => {
            for (let i = 0; i < 20; i++) f(0.5 + i);  // warm up the JIT
            let reps = 0, sink = 0;
            const t0 = performance.now();
            while (performance.now() - t0 < 300) { sink += f(0.5 + (reps % 40) * 0.5); reps++; }
            return [(performance.now() - t0) / reps, sink];
        };
        return {
            softmax: time(T => K.softmaxRows(d.z, n, C, T, probs)[7]),
            entropy: time(T => K.entropyBits(d.z, T, n)),
            map: time(T => K.darkKnowledgeMap(d.z, n, C, d.y, T, map)[11]),
            view_T: time(T => K.softmaxRows(d.z, n, C, T, probs)[7] + K.entropyBits(d.z, T, n)
                              + K.darkKnowledgeMap(d.z, n, C, d.y, T, map)[11]),
            lossAt: time(T => K.lossAt(s.z, d.z, n, C, d.y, T, 0.7).total),
            gradNorms: time(T => K.gradNorms(s.z, d.z, n, C, d.y, T).soft_T2),
            view_losses: time(T => K.lossAt(s.z, d.z, n, C, d.y, T, 0.7).total + K.gradNorms(s.z, d.z, n, C, d.y, T).hard),
            lossCurves41: time(T => K.lossCurves(s.z, d.z, n, C, d.y, K.T_GRID, 0.7).total[3]),
            weightSummary: time(T => K.weightSummary(d.z, n, C, d.y, T, [0, 1e-8, 1e-6, 1e-4, 0.01, 0.1, 0.5, 1]).mean),
            decomposition: time(T => K.decompositionCurves(s.z, d.z, n, C, d.y, [T]).kd[0]),
            decomposition41: time(T => K.decompositionCurves(s.z, d.z, n, C, d.y, K.T_GRID).kd[3]),
        };
    }""")
    assert all(math.isfinite(v[1]) and v[0] > 0 for v in t.values()), t
    with capsys.disabled():
        print("\n  kdmath in chromium, 1000 × 10 logits, ms per call: "
              + ", ".join(f"{k} {v[0]:.3f}" for k, v in t.items()))
