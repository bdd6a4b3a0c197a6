// kdmath_dkd.js: the browser's copy of kdviz.maths.darkknowledge (KD = TCKD + (1 − p_t)·NCKD), in float64.
//
// Same contract as kdmath.js, which comes right before it in the one ES module (it uses kmCheckT,
// kmCheckShape and the scratch rows there): plain declarations, internal names start with `km`, checked
// against kdviz by tests/test_live_math.py (the two files evaluated together).

// ---------------------------------------------------------------- TCKD and NCKD (kdviz.maths.darkknowledge)
//
// Per row, with p = softmax(teacher/T), q = softmax(student/T), t the label, b = [p_t, 1 − p_t] and
// p̂ = p over the classes ≠ t renormalised: KL(p ‖ q) = TCKD + (1 − p_t)·NCKD, TCKD = KL(b ‖ b^S),
// NCKD = KL(p̂ ‖ q̂) (kdviz.maths.losses.decompose_kd). All in log space: log p_i = (z_i − max)/T − lse,
// log(1 − p_t) a log-sum-exp of the non-target log p_i, log p̂_i = log p_i − log(1 − p_t). Finite for
// logits of ±1e4 at any T the pages offer. A term whose p_i is 0 adds exactly 0 (as kdviz's _kl_rows).

/** Log-softmax of row `off` of z at 1/T = invT into lp[0..C); returns log(1 − p_y) (log-sum-exp over i ≠ y). */
function kmLogRow(z, off, C, y, invT, lp) {
  let m = -Infinity;
  for (let i = 0; i < C; i++) if (z[off + i] > m) m = z[off + i];
  let s = 0;
  for (let i = 0; i < C; i++) {
    lp[i] = (z[off + i] - m) * invT;
    s += Math.exp(lp[i]);
  }
  const lse = Math.log(s);
  let mr = -Infinity;
  for (let i = 0; i < C; i++) {
    lp[i] -= lse;
    if (i !== y && lp[i] > mr) mr = lp[i];
  }
  let r = 0;
  for (let i = 0; i < C; i++) if (i !== y) r += Math.exp(lp[i] - mr);
  return mr + Math.log(r);
}

/** Throw one clear line unless y is a class in [0, C) (every row needs a label here, as decompose_kd). */
function kmCheckLabel(y, r, C) {
  if (!(Number.isInteger(y) && y >= 0 && y < C)) {
    throw new RangeError(`label ${y} of row ${r} is not a class in [0, ${C}) (TCKD and NCKD need a label per row)`);
  }
}

/** TCKD, NCKD, KL and 1 − p_t of row r, into kmDkd (nats, no T²). */
const kmDkd = { kd: 0, tckd: 0, nckd: 0, weight: 0 };
function kmDecomposeRow(student, teacher, r, C, y, invT) {
  const rows = kmRows(C), lp = rows.a, lq = rows.b, off = r * C;
  const restP = kmLogRow(teacher, off, C, y, invT, lp), restQ = kmLogRow(student, off, C, y, invT, lq);
  let kd = 0, nckd = 0;
  for (let i = 0; i < C; i++) {
    const p = Math.exp(lp[i]);
    if (p > 0) kd += p * (lp[i] - lq[i]);
    if (i !== y) {
      const lph = lp[i] - restP, ph = Math.exp(lph);
      if (ph > 0) nckd += ph * (lph - (lq[i] - restQ));
    }
  }
  const pt = Math.exp(lp[y]), w = Math.exp(restP);
  kmDkd.kd = kd;
  kmDkd.tckd = (pt > 0 ? pt * (lp[y] - lq[y]) : 0) + (w > 0 ? w * (restP - restQ) : 0);
  kmDkd.nckd = nckd;
  kmDkd.weight = w;
}

/**
 * The teacher's p_t and the weight 1 − p_t of NCKD as T varies: darkknowledge.target_curve(z, label, temps).
 * @param {ArrayLike<number>} z one row of teacher logits, length C
 * @param {number} label the true class t in [0, C)
 * @param {ArrayLike<number>} temps K temperatures > 0
 * @returns {{p_t: number[], weight: number[]}} K values each; weight = 1 − p_t by a log-sum-exp (not 0 where p_t rounds to 1)
 */
function targetCurve(z, label, temps) {
  const C = z.length;
  kmCheckLabel(label, 0, C);
  const lp = kmRows(C).a, K = temps.length, pt = new Array(K), weight = new Array(K);
  for (let j = 0; j < K; j++) {
    kmCheckT(temps[j]);
    const rest = kmLogRow(z, 0, C, label, 1 / temps[j], lp);
    pt[j] = Math.exp(lp[label]);
    weight[j] = Math.exp(rest);
  }
  return { p_t: pt, weight };
}

/**
 * The teacher's softmax p at T and p̂, p over the classes ≠ label rescaled to sum 1 (p̂ = 0 at the label):
 * darkknowledge.non_target(z, label, T).
 * @param {ArrayLike<number>} z one row of teacher logits, length C
 * @param {number} label the true class in [0, C)
 * @param {number} T temperature > 0
 * @returns {{p: Float64Array, p_hat: Float64Array}} (C,) each
 */
function nonTarget(z, label, T) {
  kmCheckT(T);
  const C = z.length;
  kmCheckLabel(label, 0, C);
  const lp = kmRows(C).a, p = new Float64Array(C), pHat = new Float64Array(C);
  const rest = kmLogRow(z, 0, C, label, 1 / T, lp);
  for (let i = 0; i < C; i++) {
    p[i] = Math.exp(lp[i]);
    pHat[i] = i === label ? 0 : Math.exp(lp[i] - rest);
  }
  return { p, p_hat: pHat };
}

/**
 * The weight 1 − p_t of NCKD over n rows at T: darkknowledge.weight_summary(logits, labels, T, edges).
 * @param {ArrayLike<number>} logits (n, C) row-major teacher logits
 * @param {number} n rows
 * @param {number} C classes
 * @param {ArrayLike<number>} labels (n,) classes in [0, C), every row labelled
 * @param {number} T temperature > 0
 * @param {ArrayLike<number>} edges K + 1 increasing bin edges; bins [lo, hi), the last closed (np.histogram)
 * @param {number} [small=0.01] report the share of rows with 1 − p_t below this
 * @returns {{mean: number, median: number, small: number, counts: number[], share: number[]}}
 */
function weightSummary(logits, n, C, labels, T, edges, small = 0.01) {
  kmCheckT(T);
  kmCheckShape("logits", logits, n, C);
  if (!(n > 0)) throw new RangeError("weightSummary needs at least one row");
  const lp = kmRows(C).a, invT = 1 / T, w = new Float64Array(n), K = edges.length - 1;
  const counts = new Array(K).fill(0);
  let sum = 0, below = 0;
  for (let r = 0; r < n; r++) {
    const y = labels[r];
    kmCheckLabel(y, r, C);
    const x = Math.exp(kmLogRow(logits, r * C, C, y, invT, lp));
    w[r] = x;
    sum += x;
    if (x < small) below += 1;
    if (x >= edges[0] && x <= edges[K]) { // the bin with edges[k] ≤ x < edges[k + 1], the last one closed
      let lo = 0, hi = K;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (x >= edges[mid]) lo = mid;
        else hi = mid;
      }
      counts[lo] += 1;
    }
  }
  w.sort();
  const median = n % 2 ? w[(n - 1) / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
  return { mean: sum / n, median, small: below / n, counts, share: counts.map((c) => c / n) };
}

/**
 * The soft loss split into TCKD and the weighted NCKD at each T, means over the n rows:
 * darkknowledge.decomposition_curves(student, teacher, labels, temps, t2=t2).
 * @param {ArrayLike<number>} student (n, C) row-major logits
 * @param {ArrayLike<number>} teacher (n, C) row-major logits
 * @param {number} n rows
 * @param {number} C classes
 * @param {ArrayLike<number>} labels (n,) classes in [0, C), every row labelled
 * @param {ArrayLike<number>} temps K temperatures > 0
 * @param {boolean} [t2=false] × T² (the soft loss's scale) for tckd, weighted_nckd, nckd and kd
 * @returns {{tckd: number[], weighted_nckd: number[], nckd: number[], kd: number[], nckd_share: number[]}}
 *   K values each, nats; nckd_share = weighted_nckd / kd (NaN where kd = 0)
 */
function decompositionCurves(student, teacher, n, C, labels, temps, t2 = false) {
  kmCheckShape("student logits", student, n, C);
  kmCheckShape("teacher logits", teacher, n, C);
  if (!(n > 0)) throw new RangeError("decompositionCurves needs at least one row");
  for (let r = 0; r < n; r++) kmCheckLabel(labels[r], r, C);
  const K = temps.length, out = { tckd: new Array(K), weighted_nckd: new Array(K), nckd: new Array(K), kd: new Array(K),
    nckd_share: new Array(K) };
  for (let j = 0; j < K; j++) {
    const T = temps[j];
    kmCheckT(T);
    const invT = 1 / T;
    let kd = 0, tckd = 0, nckd = 0, wn = 0;
    for (let r = 0; r < n; r++) {
      kmDecomposeRow(student, teacher, r, C, labels[r], invT);
      kd += kmDkd.kd;
      tckd += kmDkd.tckd;
      nckd += kmDkd.nckd;
      wn += kmDkd.weight * kmDkd.nckd;
    }
    const k = t2 ? T * T : 1;
    out.tckd[j] = k * (tckd / n);
    out.weighted_nckd[j] = k * (wn / n);
    out.nckd[j] = k * (nckd / n);
    out.kd[j] = k * (kd / n);
    out.nckd_share[j] = kd > 0 ? wn / n / (kd / n) : NaN;
  }
  return out;
}
