// The Your digit page's live view (kdviz/viz/live): the teacher's and the student's softmax at T for one drawn
// or uploaded digit, as grouped bars. Concatenated before views.js, which holds the view framework
// (KdlView, kdlTitle, kdlChartBox, ...) and adds these to KDL_VIEWS; the helpers are called only when
// a view draws, after the whole module has been evaluated.

const KDL_MINE_VIEWS = {
  compare: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T;
      const zt = kdlF32(d.teacher), zs = kdlF32(d.student); // (10,) logits each
      const pt = softmaxRow(zt, T), ps = softmaxRow(zs, T);
      const hover = (x) => `p = ${x.toFixed(4)}`;
      kdlTitle(v, kdlFormat(tx["mine.compare"], { T }));
      kdlChartBox(v).innerHTML = chBars({
        width: kdlWidth(v), height: Math.round(340 * st.scale), st, cats: kdlClasses(d, zt.length), yRange: [0, 1],
        series: [{ name: d.teacher_name, color: st.roles.teacher, values: pt, hover },
          { name: d.student_name, color: st.roles.distilled, values: ps, hover }],
        xTitle: tx["plots.digit"], yTitle: tx["plots.probability"],
      });
      kdlSetNumbers(v, { teacher: JSON.stringify(Array.from(pt)), student: JSON.stringify(Array.from(ps)) });
    },
  },
};
