// kdmath.js: the browser's copy of kdviz's math (kdviz.maths.explore, kdviz.maths.losses), in float64.
//
// Plain `function`/`const` declarations only (no import/export): kdviz.viz.live.script() puts this
// text in front of charts.js and views.js in one ES module, and tests/test_live_math.py evaluates
// it alone (strict mode) and checks every function against kdviz to 1e-6.
// Logits are row-major (n, C) arrays (Float32Array from decodeF32, or any array of numbers);
// labels are class indices (Uint8Array from decodeU8); a negative label is an unlabelled row.
// Probabilities are fractions, entropies bits, losses nats. Softmaxes subtract the row max before
// exp; KL and cross-entropy use log-sum-exp. Hot loops allocate nothing: they reuse scratch rows.
// Internal names start with `km` so they don't collide with charts.js / views.js.

/** Temperatures on the curves' x-axis: explore.T_GRID = np.round(np.geomspace(0.5, 20, 41), 4). */
const T_GRID = Object.freeze([
  0.5, 0.5483, 0.6013, 0.6594, 0.7231, 0.7929, 0.8695, 0.9535, 1.0456, 1.1467, 1.2574, 1.3789, 1.5121, 1.6582,
  1.8184, 1.9941, 2.1867, 2.398, 2.6296, 2.8837, 3.1623, 3.4678, 3.8028, 4.1702, 4.5731, 5.0148, 5.4993, 6.0306,
  6.6132, 7.2521, 7.9527, 8.721, 9.5635, 10.4874, 11.5006, 12.6117, 13.8301, 15.1662, 16.6313, 18.2381, 20.0,
]);

/** γ rows of the loss heatmap: explore.GAMMA_GRID = np.round(np.linspace(0, 1, 21), 4). */
const GAMMA_GRID = Object.freeze([
  0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0,
]);

const kmLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const kmScratch = { a: new Float64Array(16), b: new Float64Array(16), c: new Float64Array(16) }; // rows of C

/** Scratch rows of length ≥ C, grown when needed (never inside a loop over rows). */
function kmRows(C) {
  if (kmScratch.a.length < C) {
    kmScratch.a = new Float64Array(C);
    kmScratch.b = new Float64Array(C);
    kmScratch.c = new Float64Array(C);
  }
  return kmScratch;
}

/** Throw one clear line unless T is a finite number > 0 (as kdviz.maths.losses.check_temperature). */
function kmCheckT(T) {
  if (typeof T !== "number" || !Number.isFinite(T) || T <= 0) {
    throw new RangeError(`temperature T must be a finite number > 0, got ${T}`);
  }
}

/** Throw one clear line unless gamma is in [0, 1] (as kdviz.maths.losses.check_gamma). */
function kmCheckGamma(gamma) {
  if (typeof gamma !== "number" || !(gamma >= 0 && gamma <= 1)) {
    throw new RangeError(`gamma (the weight of the soft loss) must be in [0, 1], got ${gamma}`);
  }
}

/** Throw one clear line unless `arr` holds at least n × C numbers. */
function kmCheckShape(name, arr, n, C) {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(C) && C > 0) || arr.length < n * C) {
    throw new RangeError(`${name} must hold n × C = ${n} × ${C} numbers, got ${arr.length}`);
  }
}

/** The bytes of a base64 string (standard alphabet, with padding). */
function kmBytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Decode base64 of little-endian float32 (kdviz.viz.live.b64f32) into a Float32Array.
 * @param {string} b64
 * @returns {Float32Array} of length bytes / 4
 */
function decodeF32(b64) {
  const bytes = kmBytes(b64);
  if (bytes.length % 4 !== 0) throw new RangeError(`float32 payload of ${bytes.length} bytes is not a multiple of 4`);
  const n = bytes.length / 4;
  if (kmLittleEndian) return new Float32Array(bytes.buffer, 0, n);
  const view = new DataView(bytes.buffer), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/**
 * Decode base64 of uint8 (kdviz.viz.live.b64u8) into a Uint8Array (e.g. labels).
 * @param {string} b64
 * @returns {Uint8Array}
 */
function decodeU8(b64) {
  return kmBytes(b64);
}

/**
 * softmax(z[off .. off+C) · invT) into out[outOff .. outOff+C), invT = 1/T > 0. Returns
 * lse = log Σ exp((z_i − m)·invT) and leaves the row's largest logit m in kmRowMax.value, so that
 * log p_i = (z_i − m)·invT − lse. (max(z/T) = max(z)/T for T > 0.)
 */
const kmRowMax = { value: 0 };
function kmSoftmaxInto(z, off, C, invT, out, outOff = 0) {
  let m = -Infinity;
  for (let i = 0; i < C; i++) if (z[off + i] > m) m = z[off + i];
  let s = 0;
  for (let i = 0; i < C; i++) {
    const e = Math.exp((z[off + i] - m) * invT);
    out[outOff + i] = e;
    s += e;
  }
  const r = 1 / s;
  for (let i = 0; i < C; i++) out[outOff + i] *= r;
  kmRowMax.value = m;
  return Math.log(s);
}

/**
 * softmax(z / T) of one row of logits: explore.soften_row(z, T).
 * @param {ArrayLike<number>} z logits, length C
 * @param {number} T temperature > 0
 * @param {Float64Array} [out] optional output of length C, reused
 * @returns {Float64Array} (C,) probabilities summing to 1
 */
function softmaxRow(z, T, out) {
  kmCheckT(T);
  const C = z.length;
  const p = out || new Float64Array(C);
  kmSoftmaxInto(z, 0, C, 1 / T, p);
  return p;
}

/**
 * softmax(z / T) of every row: kdviz.maths.losses.soften(logits, T) for (n, C) logits.
 * @param {ArrayLike<number>} logits (n, C) row-major
 * @param {number} n rows
 * @param {number} C classes
 * @param {number} T temperature > 0
 * @param {Float64Array} [out] optional output of length n·C, reused
 * @returns {Float64Array} (n·C) row-major probabilities
 */
function softmaxRows(logits, n, C, T, out) {
  kmCheckT(T);
  kmCheckShape("logits", logits, n, C);
  const p = out || new Float64Array(n * C);
  const invT = 1 / T;
  for (let r = 0; r < n; r++) kmSoftmaxInto(logits, r * C, C, invT, p, r * C);
  return p;
}

/**
 * Entropy of softmax(z / T) in bits: explore.entropy_curve(z, [T])["entropy_bits"][0].
 * With n rows (z of length n·C), the mean over the rows, as entropy_curve does for (N, C) logits.
 * Computed as (lse − Σ p_i x_i) / ln 2 with x = (z − max)/T: no log of a tiny p.
 * @param {ArrayLike<number>} z logits, (C,) or (n, C) row-major
 * @param {number} T temperature > 0
 * @param {number} [n=1] rows
 * @returns {number} bits, 0 ≤ H ≤ log2 C
 */
function entropyBits(z, T, n = 1) {
  kmCheckT(T);
  if (!(Number.isInteger(n) && n > 0) || z.length % n !== 0) {
    throw new RangeError(`entropyBits: ${z.length} logits do not split into ${n} rows`);
  }
  const C = z.length / n;
  const p = kmRows(C).a, invT = 1 / T;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const off = r * C;
    const lse = kmSoftmaxInto(z, off, C, invT, p);
    const m = kmRowMax.value;
    let px = 0;
    for (let i = 0; i < C; i++) px += p[i] * (z[off + i] - m);
    total += lse - px * invT;
  }
  return total / n / Math.LN2;
}

/**
 * Mean softened probability per true class: explore.dark_knowledge_map(logits, labels, T).
 * Row = true class, column = class the teacher gives mass to; NaN for a class with no rows.
 * @param {ArrayLike<number>} logits (n, C) row-major
 * @param {number} n rows
 * @param {number} C classes
 * @param {ArrayLike<number>} labels (n,) class indices (others are ignored)
 * @param {number} T temperature > 0
 * @param {Float64Array} [out] optional output of length C·C, reused
 * @returns {Float64Array} (C·C) row-major, each row summing to 1 (or NaN)
 */
function darkKnowledgeMap(logits, n, C, labels, T, out) {
  kmCheckT(T);
  kmCheckShape("logits", logits, n, C);
  const map = out || new Float64Array(C * C);
  map.fill(0);
  const rows = kmRows(C), p = rows.a, count = rows.b, invT = 1 / T; // count: rows per class
  count.fill(0, 0, C);
  for (let r = 0; r < n; r++) {
    const y = labels[r];
    if (!(y >= 0 && y < C)) continue;
    kmSoftmaxInto(logits, r * C, C, invT, p);
    const off = y * C;
    for (let i = 0; i < C; i++) map[off + i] += p[i];
    count[y] += 1;
  }
  for (let c = 0; c < C; c++) {
    const k = count[c], off = c * C;
    for (let i = 0; i < C; i++) map[off + i] = k > 0 ? map[off + i] / k : NaN;
  }
  return map;
}

/**
 * The k largest off-diagonal cells of a dark-knowledge map: explore.top_confusions(matrix, k=k).
 * Order: p descending (NaN and the diagonal count as −∞); equal values in the order of
 * np.argsort(..., kind="stable")[::-1], i.e. the larger row-major index first.
 * @param {ArrayLike<number>} matrix (C·C) row-major
 * @param {number} C classes
 * @param {number} [k=5]
 * @returns {{true: number, like: number, p: number}[]} at most k cells; p is −Infinity on the
 *   diagonal and NaN in an empty row, as in kdviz
 */
function topConfusions(matrix, C, k = 5) {
  const cells = C * C;
  kmCheckShape("matrix", matrix, C, C);
  const idx = new Array(cells);
  for (let i = 0; i < cells; i++) idx[i] = i;
  const key = (i) => {
    const v = matrix[i];
    return Math.floor(i / C) === i % C || Number.isNaN(v) ? -Infinity : v;
  };
  idx.sort((a, b) => key(b) - key(a) || b - a); // -Inf − -Inf is NaN → falls to the index
  const out = [];
  for (let j = 0; j < Math.min(k, cells); j++) {
    const i = idx[j], r = Math.floor(i / C), c = i % C;
    out.push({ true: r, like: c, p: r === c ? -Infinity : matrix[i] });
  }
  return out;
}

/**
 * Soft (at T) and hard (at T = 1) losses, summed over the rows, with the row count of the hard term.
 * Writes kmSums.soft (Σ KL, nats), kmSums.hard (Σ cross-entropy), kmSums.labelled.
 * Per row, with a = max teacher logit, b = max student logit, e_i = exp((t_i − a)/T),
 * S = Σ e_i, Q = Σ exp((s_i − b)/T) (so p_i = e_i / S):
 *   KL(p ‖ q) = Σ p_i (log p_i − log q_i) = (Σ e_i (t_i − s_i)) / (S·T) + (b − a)/T + log(Q / S).
 */
const kmSums = { soft: 0, hard: 0, labelled: 0 };
function kmLossSums(student, teacher, n, C, labels, T, withHard) {
  const invT = 1 / T;
  let soft = 0, hard = 0, labelled = 0;
  for (let r = 0; r < n; r++) {
    const off = r * C;
    let a = -Infinity, b = -Infinity;
    for (let i = 0; i < C; i++) {
      if (teacher[off + i] > a) a = teacher[off + i];
      if (student[off + i] > b) b = student[off + i];
    }
    let S = 0, Q = 0, ed = 0;
    for (let i = 0; i < C; i++) {
      const t = teacher[off + i], s = student[off + i], e = Math.exp((t - a) * invT);
      S += e;
      ed += e * (t - s);
      Q += Math.exp((s - b) * invT);
    }
    soft += (ed / S + (b - a)) * invT + Math.log(Q / S);
    if (withHard) {
      const y = labels[r];
      if (y >= 0) {
        if (y >= C) throw new RangeError(`label ${y} of row ${r} is not a class in [0, ${C})`);
        let s1 = 0;
        for (let i = 0; i < C; i++) s1 += Math.exp(student[off + i] - b);
        hard += b + Math.log(s1) - student[off + y]; // −log softmax(z)_y
        labelled += 1;
      }
    }
  }
  kmSums.soft = soft;
  kmSums.hard = hard;
  kmSums.labelled = labelled;
}

/**
 * Distillation loss of fixed student logits: explore.loss_curves(..., gamma, temperatures=[T]).iloc[0].
 * soft = T²·KL(softmax(teacher/T) ‖ softmax(student/T)), mean over the n rows; hard = cross-entropy
 * at T = 1, mean over the labelled rows (0 when none); total = γ·soft + (1 − γ)·hard. Nats.
 * @param {ArrayLike<number>} student (n, C) row-major logits
 * @param {ArrayLike<number>} teacher (n, C) row-major logits
 * @param {number} n rows
 * @param {number} C classes
 * @param {ArrayLike<number>} labels (n,) class indices, negative = unlabelled
 * @param {number} T temperature > 0
 * @param {number} gamma weight of the soft term, in [0, 1]
 * @returns {{soft: number, hard: number, total: number}}
 */
function lossAt(student, teacher, n, C, labels, T, gamma) {
  kmCheckT(T);
  kmCheckGamma(gamma);
  kmCheckShape("student logits", student, n, C);
  kmCheckShape("teacher logits", teacher, n, C);
  kmLossSums(student, teacher, n, C, labels, T, true);
  const soft = (T * T) * (kmSums.soft / n);
  const hard = kmSums.labelled > 0 ? kmSums.hard / kmSums.labelled : 0;
  return { soft, hard, total: gamma * soft + (1 - gamma) * hard };
}

/**
 * Soft, hard and total loss at each temperature: explore.loss_curves(..., gamma, temperatures=temps).
 * @param {ArrayLike<number>} student (n, C) row-major logits
 * @param {ArrayLike<number>} teacher (n, C) row-major logits
 * @param {number} n rows
 * @param {number} C classes
 * @param {ArrayLike<number>} labels (n,)
 * @param {ArrayLike<number>} temps K temperatures > 0
 * @param {number} gamma in [0, 1]
 * @returns {{soft: number[], hard: number[], total: number[]}} K values each, nats
 */
function lossCurves(student, teacher, n, C, labels, temps, gamma) {
  kmCheckGamma(gamma);
  kmCheckShape("student logits", student, n, C);
  kmCheckShape("teacher logits", teacher, n, C);
  const K = temps.length, soft = new Array(K), hard = new Array(K), total = new Array(K);
  let h = 0;
  for (let j = 0; j < K; j++) {
    const T = temps[j];
    kmCheckT(T);
    kmLossSums(student, teacher, n, C, labels, T, j === 0); // hard does not depend on T
    if (j === 0) h = kmSums.labelled > 0 ? kmSums.hard / kmSums.labelled : 0;
    soft[j] = (T * T) * (kmSums.soft / n);
    hard[j] = h;
    total[j] = gamma * soft[j] + (1 - gamma) * h;
  }
  return { soft, hard, total };
}

/**
 * Total loss on a γ × T grid: explore.loss_grid(..., temperatures=temps, gammas=gammas).
 * @returns {Float64Array} (G·K) row-major: row = γ, column = T; γ·soft(T) + (1 − γ)·hard, nats
 */
function lossGrid(student, teacher, n, C, labels, temps, gammas) {
  const curves = lossCurves(student, teacher, n, C, labels, temps, 1.0);
  const K = temps.length, G = gammas.length, out = new Float64Array(G * K);
  for (let g = 0; g < G; g++) {
    const w = gammas[g];
    for (let j = 0; j < K; j++) out[g * K + j] = w * curves.soft[j] + (1 - w) * curves.hard[j];
  }
  return out;
}

/**
 * Size of the gradients on the student logits at T: explore.soft_gradient_norms(..., temperatures=[T]).
 * Analytic: ∂soft/∂z_rj = T·(q_rj − p_rj)/n (q, p the student's and teacher's softmax at T;
 * the T² of the loss times the 1/T of the softmax), ∂hard/∂z_rj = (softmax(z_r)_j − [j = y_r])/L
 * on the L labelled rows (0 elsewhere). Each is the L2 (Frobenius) norm over the whole (n, C)
 * gradient; soft_plain = soft_T2 / T² (the gradient without the T² factor).
 * @param {ArrayLike<number>} student (n, C) row-major logits
 * @param {ArrayLike<number>} teacher (n, C) row-major logits
 * @param {number} n rows
 * @param {number} C classes
 * @param {ArrayLike<number>} labels (n,) class indices, negative = unlabelled
 * @param {number} T temperature > 0
 * @returns {{soft_T2: number, soft_plain: number, hard: number}} nats per logit
 */
function gradNorms(student, teacher, n, C, labels, T) {
  kmCheckT(T);
  kmCheckShape("student logits", student, n, C);
  kmCheckShape("teacher logits", teacher, n, C);
  const rows = kmRows(C), p = rows.a, q = rows.b, s = rows.c, invT = 1 / T;
  let soft2 = 0, hard2 = 0, labelled = 0;
  for (let r = 0; r < n; r++) {
    const off = r * C;
    kmSoftmaxInto(teacher, off, C, invT, p);
    kmSoftmaxInto(student, off, C, invT, q);
    for (let i = 0; i < C; i++) {
      const d = q[i] - p[i];
      soft2 += d * d;
    }
    const y = labels[r];
    if (y >= 0) {
      if (y >= C) throw new RangeError(`label ${y} of row ${r} is not a class in [0, ${C})`);
      kmSoftmaxInto(student, off, C, 1, s);
      for (let i = 0; i < C; i++) {
        const d = i === y ? s[i] - 1 : s[i];
        hard2 += d * d;
      }
      labelled += 1;
    }
  }
  const softT2 = (T / n) * Math.sqrt(soft2);
  return { soft_T2: softT2, soft_plain: softT2 / (T * T), hard: labelled > 0 ? Math.sqrt(hard2) / labelled : 0 };
}
