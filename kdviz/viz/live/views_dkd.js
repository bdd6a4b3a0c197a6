// The TCKD / NCKD views (kdviz/viz/live, issue 15): where the dark knowledge sits in the soft loss.
// Temperature: the chosen image's p_t and 1 − p_t over T, its non-target distribution p̂, the weight 1 − p_t
// over all test images, and the share of NCKD in the reference student's soft loss. Losses: the soft loss
// stacked as TCKD + (1 − p_t)·NCKD over T. The numbers are kdmath.js's (targetCurve, nonTarget, weightSummary,
// decompositionCurves = kdviz.maths.darkknowledge). Concatenated before views.js, which holds the view framework
// and adds these to KDL_VIEWS; the helpers are called only when a view draws.

/** What does not depend on T, per data (decoded logits and the curves over the T grid), and the last T's numbers. */
const kdlDkdCache = new Map();
function kdlDkd(key, make) {
  let c = kdlDkdCache.get(key);
  if (!c) {
    if (kdlDkdCache.size > 8) kdlDkdCache.clear();
    c = make();
    kdlDkdCache.set(key, c);
  }
  return c;
}

/** A student/teacher view's logits and its decomposition over the T grid (× T² with `t2`), computed once per data. */
function kdlDecomposition(d, t2) {
  return kdlDkd(`dec|${t2}|${d.student}|${d.teacher}|${d.labels}`, () => {
    const c = { s: kdlF32(d.student), t: kdlF32(d.teacher), y: kdlU8(d.labels) };
    c.curves = decompositionCurves(c.s, c.t, d.n, 10, c.y, d.style.T_grid, t2);
    return c;
  });
}

/** decompositionCurves at T alone, once a frame however many views show it. */
function kdlDecompositionAt(c, n, T, t2) {
  if (c.atT !== T) {
    const one = decompositionCurves(c.s, c.t, n, 10, c.y, [T], t2);
    c.now = Object.fromEntries(Object.entries(one).map(([k, v]) => [k, v[0]]));
    c.atT = T;
  }
  return c.now;
}

/** The label of the bin [lo, hi) of 1 − p_t: powers of ten below 0.01 as 10⁻ᵏ, the first one "< hi". */
function kdlBinLabel(lo, hi) {
  const f = (v) => {
    const k = Math.log10(v);
    return v > 0 && v < 0.01 && Math.abs(k - Math.round(k)) < 1e-9 ? chPow10(Math.round(k)) : String(v);
  };
  return lo === 0 ? `< ${f(hi)}` : `${f(lo)}–${f(hi)}`;
}

/** A one-line caption under a view's chart. */
function kdlCaption(v, text) {
  if (!v.captionEl) v.captionEl = kdlEl("div", "kdl-caption", v.root);
  v.captionEl.textContent = text;
}

const KDL_DKD_VIEWS = {
  dk_target: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T, z = kdlF32(d.z), names = kdlClasses(d, z.length);
      if (v.curveFor !== d.z + d.label) {
        v.curve = targetCurve(z, d.label, st.T_grid);
        v.curveFor = d.z + d.label;
      }
      const now = targetCurve(z, d.label, [T]), pt = now.p_t[0], w = now.weight[0];
      kdlTitle(v, kdlFormat(tx["temp.dk_target_title"], { label: names[d.label], T }));
      kdlChartBox(v).innerHTML = chLines({
        width: kdlWidth(v), height: Math.round(300 * st.scale), st, x: st.T_grid, logX: true, xTicks: st.T_ticks, legend: true,
        logY: !!d.log_y, yRange: [0, 1],
        series: [{ name: tx["temp.dk_pt"], color: st.roles.baseline, values: v.curve.p_t },
          { name: tx["temp.dk_weight"], color: st.roles.soft, values: v.curve.weight, width: 3 }],
        xTitle: tx["plots.T_log_axis"], yTitle: tx["plots.probability"], markX: T, markLabel: `T = ${kdlFmtT(T)}`,
        points: [{ x: T, y: pt, color: st.roles.baseline, size: 9 * st.scale }, { x: T, y: w, color: st.roles.soft, size: 11 * st.scale }],
      });
      kdlCaption(v, kdlFormat(tx["temp.dk_target_caption"], { T, p: pt, w }));
      kdlSetNumbers(v, { "p-t": pt, weight: w });
    },
  },

  dk_nontarget: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T, z = kdlF32(d.z), names = kdlClasses(d, z.length);
      const nt = nonTarget(z, d.label, T);
      kdlTitle(v, kdlFormat(tx["temp.dk_nontarget_title"], { T }));
      kdlChartBox(v).innerHTML = chBars({
        width: kdlWidth(v), height: Math.round(300 * st.scale), st, cats: names, yRange: [0, 1],
        series: [{ name: tx["temp.dk_p"], color: st.roles.teacher, values: nt.p, hover: (x) => `p = ${x.toFixed(4)}` },
          { name: tx["temp.dk_p_hat"], color: st.roles.soft, values: nt.p_hat, hover: (x) => `p̂ = ${x.toFixed(4)}` }],
        xTitle: tx["plots.digit"], yTitle: tx["plots.probability"],
      });
      kdlCaption(v, kdlFormat(tx["temp.dk_nontarget_caption"], { label: names[d.label] }));
      kdlSetNumbers(v, { p: JSON.stringify(Array.from(nt.p)), "p-hat": JSON.stringify(Array.from(nt.p_hat)) });
    },
  },

  dk_weights: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T;
      const c = kdlDkd(`w|${d.logits}|${d.labels}|${d.edges}|${d.small}`, () => {
        const o = { z: kdlF32(d.logits), y: kdlU8(d.labels) };
        o.one = weightSummary(o.z, d.n, 10, o.y, 1, d.edges, d.small);
        return o;
      });
      if (c.atT !== T) {
        c.now = weightSummary(c.z, d.n, 10, c.y, T, d.edges, d.small);
        c.atT = T;
      }
      const now = c.now, one = c.one;
      if (!v.row) v.row = kdlEl("div", "kdl-metrics-row", v.root);
      v.row.replaceChildren();
      kdlMetric(v.row, kdlFormat(tx["temp.dk_mean"], { n: d.n }), now.mean.toFixed(3),
        kdlFormat(tx["temp.dk_mean_delta"], { delta: now.mean - one.mean, mean1: one.mean }));
      kdlMetric(v.row, tx["temp.dk_median"], kdlFmtValue(now.median, ".2g"), kdlFormat(tx["temp.dk_median_delta"], { median1: one.median }));
      kdlTitle(v, T === 1 ? tx["temp.dk_hist_title_single"] : kdlFormat(tx["temp.dk_hist_title"], { T }));  // not "T = 1 and T = 1"
      const cats = d.edges.slice(0, -1).map((lo, i) => kdlBinLabel(lo, d.edges[i + 1]));
      kdlChartBox(v).innerHTML = chBars({
        width: kdlWidth(v), height: Math.round(300 * st.scale), st, cats, yRange: [0, 1],
        series: [{ name: "T = 1", color: st.roles["T = 1"], values: one.share, hover: (x) => `${(100 * x).toFixed(1)} %` },
          ...(T === 1 ? [] : [{ name: `T = ${kdlFmtT(T)}`, color: st.roles.soft, values: now.share,
            hover: (x) => `${(100 * x).toFixed(1)} %` }])],
        xTitle: tx["temp.dk_hist_x"], yTitle: tx["temp.dk_hist_y"],
      });
      kdlCaption(v, kdlFormat(tx["temp.dk_hist_caption"], { T, small: 100 * now.small, small1: 100 * one.small }));
      kdlSetNumbers(v, { mean: now.mean, mean1: one.mean, median: now.median, median1: one.median, small: now.small, small1: one.small,
        counts: JSON.stringify(now.counts), counts1: JSON.stringify(one.counts) });
    },
  },

  dk_share: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T, c = kdlDecomposition(d, false);
      const now = kdlDecompositionAt(c, d.n, T, false), share = now.nckd_share;
      const one = c.one || (c.one = decompositionCurves(c.s, c.t, d.n, 10, c.y, [1]).nckd_share[0]);
      if (!v.row) v.row = kdlEl("div", "kdl-metrics-row", v.root);
      v.row.replaceChildren();
      kdlMetric(v.row, tx["temp.dk_share_label"], kdlFormat(tx["temp.dk_share_value"], { pct: 100 * share }),
        kdlFormat(tx["temp.dk_share_delta"], { pct1: 100 * one }));
      kdlTitle(v, tx["temp.dk_share_title"]);
      const tckd = c.curves.nckd_share.map((x) => 1 - x); // TCKD / KL: the rest of the soft loss
      kdlChartBox(v).innerHTML = chLines({
        width: kdlWidth(v), height: Math.round(300 * st.scale), st, x: st.T_grid, logX: true, xTicks: st.T_ticks, legend: true,
        yRange: [0, 1],
        series: [{ name: tx["plots.tckd"], color: st.roles.baseline, values: tckd, area: true },
          { name: tx["plots.nckd"], color: st.roles.soft, values: c.curves.nckd_share.map(() => 1), area: tckd }],
        xTitle: tx["plots.T_log_axis"], yTitle: tx["temp.dk_share_y"], markX: T, markLabel: `T = ${kdlFmtT(T)}`,
        points: [{ x: T, y: 1 - share, color: st.ink, size: 9 * st.scale }],
      });
      kdlCaption(v, kdlFormat(tx["temp.dk_share_caption"], { n: d.n, T, pct: 100 * share }));
      kdlSetNumbers(v, { share, share1: one, tckd: now.tckd, "weighted-nckd": now.weighted_nckd, kd: now.kd });
    },
  },

  dk_stack: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T, c = kdlDecomposition(d, true);
      const now = kdlDecompositionAt(c, d.n, T, true);
      kdlTitle(v, tx["losses.dk_title"]);
      kdlChartBox(v).innerHTML = chLines({
        width: kdlWidth(v), height: Math.round(340 * st.scale), st, x: st.T_grid, logX: true, xTicks: st.T_ticks, legend: true,
        series: [{ name: tx["plots.tckd"], color: st.roles.baseline, values: c.curves.tckd, area: true },
          { name: tx["plots.nckd"], color: st.roles.soft, values: c.curves.kd, area: c.curves.tckd }],
        xTitle: tx["plots.T_log_axis"], yTitle: tx["plots.loss_axis"], markX: T, markLabel: `T = ${kdlFmtT(T)}`,
        points: [{ x: T, y: now.tckd, color: st.roles.baseline, size: 9 * st.scale }, { x: T, y: now.kd, color: st.roles.soft, size: 9 * st.scale }],
      });
      kdlCaption(v, kdlFormat(tx["losses.dk_caption"], { T, soft: now.kd, tckd: now.tckd, nckd: now.weighted_nckd, pct: 100 * now.nckd_share }));
      kdlSetNumbers(v, { soft: now.kd, tckd: now.tckd, "weighted-nckd": now.weighted_nckd, share: now.nckd_share });
    },
  },
};
