// The Losses page's live views (kdviz/viz/live): the soft, hard and total loss at T and γ, their curves,
// the γ × T map and the gradient norms. Concatenated before views.js, which holds the view framework
// (KdlView, kdlTitle, kdlChartBox, ...) and adds these to KDL_VIEWS; the helpers are called only when
// a view draws, after the whole module has been evaluated.

/** The decoded student, teacher and labels of a Losses view, and what does not depend on T or γ (cached per data). */
const kdlLossCache = new Map();
function kdlLosses(d) {
  const key = `${d.student}|${d.teacher}|${d.labels}`;
  let L = kdlLossCache.get(key);
  if (!L) {
    if (kdlLossCache.size > 8) kdlLossCache.clear();
    L = { s: kdlF32(d.student), t: kdlF32(d.teacher), y: kdlU8(d.labels) };
    const c = lossCurves(L.s, L.t, d.n, 10, L.y, d.style.T_grid, 1.0);
    L.soft = c.soft;
    L.hard = c.hard;
    kdlLossCache.set(key, L);
  }
  return L;
}

/** lossAt at (T, γ), computed once a frame however many views show it. */
function kdlLossAt(L, n, T, g) {
  if (L.atT !== T || L.atG !== g) {
    L.now = lossAt(L.s, L.t, n, 10, L.y, T, g);
    L.atT = T;
    L.atG = g;
  }
  return L.now;
}

/** The dark-knowledge map at T of these logits, computed once a frame for the sentence and the map. */
const kdlMapMemo = { logits: null, T: null, m: null };
function kdlMap(d, T) {
  if (kdlMapMemo.logits !== d.logits || kdlMapMemo.T !== T) {
    kdlMapMemo.m = darkKnowledgeMap(kdlF32(d.logits), d.n, 10, kdlU8(d.labels), T);
    kdlMapMemo.logits = d.logits;
    kdlMapMemo.T = T;
  }
  return kdlMapMemo.m;
}

const KDL_LOSS_VIEWS = {
  loss_curves: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T, g = KDL.gamma, L = kdlLosses(d);
      const now = kdlLossAt(L, d.n, T, g);
      const total = L.soft.map((x, i) => g * x + (1 - g) * L.hard[i]);
      kdlTitle(v, tx["plots.loss_title"]);
      kdlChartBox(v).innerHTML = chLines({
        width: kdlWidth(v), height: Math.round(340 * st.scale), st, x: st.T_grid, logX: true, xTicks: st.T_ticks, legend: true,
        series: [{ name: tx["plots.soft_formula"], color: st.roles.soft, values: L.soft },
          { name: tx["plots.hard_formula"], color: st.roles.hard, values: L.hard },
          { name: kdlFormat(tx["plots.total_formula"], { gamma: g, rest: 1 - g }), color: st.roles.total, values: total, width: 3 }],
        xTitle: tx["plots.T_log_axis"], yTitle: tx["plots.loss_axis"], markX: T, markLabel: `T = ${kdlFmtT(T)}`,
      });
      kdlSetNumbers(v, { soft: now.soft, hard: now.hard, total: now.total });
    },
  },

  loss_numbers: {
    draw(v) {
      const d = v.data, tx = d.text, T = KDL.T, g = KDL.gamma, L = kdlLosses(d);
      const now = kdlLossAt(L, d.n, T, g);
      if (!v.row) v.row = kdlEl("div", "kdl-metrics-row", v.root);
      v.row.replaceChildren();
      kdlMetric(v.row, tx["losses.soft"], now.soft.toFixed(3), null, tx["losses.soft_help"]);
      kdlMetric(v.row, tx["losses.hard"], now.hard.toFixed(3), null, tx["losses.hard_help"]);
      kdlMetric(v.row, tx["losses.total"], now.total.toFixed(3), null, kdlFormat(tx["losses.total_help"], { gamma: g, rest: 1 - g }));
      kdlSetNumbers(v, { soft: now.soft, hard: now.hard, total: now.total });
    },
  },

  loss_heat: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T, g = KDL.gamma, L = kdlLosses(d);
      if (!L.grid) L.grid = lossGrid(L.s, L.t, d.n, 10, L.y, st.T_grid, st.gamma_grid);
      kdlTitle(v, tx["plots.heatmap_title"]);
      const layout = `${kdlWidth(v)}|${st.scale}|${d.lang}`;
      if (v.chartEl && v.heatGrid === L.grid && v.heatLayout === layout && v.crossAt) { // the same map: move the marker only
        const cross = v.crossAt(T, g);
        for (const p of v.root.querySelectorAll(".kdl-marker")) p.setAttribute("d", cross);
        kdlSetNumbers(v, { total: kdlLossAt(L, d.n, T, g).total });
        return;
      }
      v.heatGrid = L.grid;
      v.heatLayout = layout;
      kdlChartBox(v).innerHTML = chHeat({
        onLayout: (f) => { v.crossAt = f; },
        width: kdlWidth(v), height: Math.round(340 * st.scale), st, z: L.grid, rows: st.gamma_grid.length, cols: st.T_grid.length,
        scale: "Viridis_r", xVals: st.T_grid, xTicks: st.T_ticks, yVals: st.gamma_grid, xTitle: tx["plots.T_log_axis"],
        yTitle: tx["plots.gamma_axis"], barTitle: tx["plots.total"], marker: { x: T, y: g },
      });
      if (!v.captionEl) v.captionEl = kdlEl("div", "kdl-caption", v.root);
      v.captionEl.textContent = tx["losses.heat_caption"];
      kdlSetNumbers(v, { total: kdlLossAt(L, d.n, T, g).total });
    },
  },

  grads: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T, L = kdlLosses(d);
      if (!L.grads) {
        const gs = st.T_grid.map((t) => gradNorms(L.s, L.t, d.n, 10, L.y, t));
        L.grads = { soft_T2: gs.map((x) => x.soft_T2), soft_plain: gs.map((x) => x.soft_plain), hard: gs.map((x) => x.hard) };
      }
      const now = gradNorms(L.s, L.t, d.n, 10, L.y, T);
      kdlTitle(v, tx["plots.grad_title"]);
      kdlChartBox(v).innerHTML = chLines({
        width: kdlWidth(v), height: Math.round(340 * st.scale), st, x: st.T_grid, logX: true, logY: true, xTicks: st.T_ticks, legend: true,
        series: [{ name: tx["plots.grad_soft_T2"], color: st.roles.soft, values: L.grads.soft_T2 },
          { name: tx["plots.grad_soft_plain"], color: st.roles.soft, values: L.grads.soft_plain, dash: true },
          { name: tx["plots.hard"], color: st.roles.hard, values: L.grads.hard }],
        xTitle: tx["plots.T_log_axis"], yTitle: tx["plots.grad_axis"], markX: T, markLabel: `T = ${kdlFmtT(T)}`,
      });
      const ratio = now.hard > 0 ? now.soft_T2 / now.hard : Infinity;
      const key = ratio >= 0.1 && ratio <= 10 ? "losses.grad_caption" : "losses.grad_caption_apart";
      if (!v.captionEl) v.captionEl = kdlEl("div", "kdl-caption", v.root);
      v.captionEl.textContent = kdlFormat(tx[key], { T, T2: T * T, with_T2: now.soft_T2, plain: now.soft_plain, hard: now.hard, ratio });
      kdlSetNumbers(v, { "soft-t2": now.soft_T2, "soft-plain": now.soft_plain, hard: now.hard, ratio });
    },
  },
};
