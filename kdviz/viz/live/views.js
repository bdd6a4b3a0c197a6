// views.js: the live views of the Temperature and Losses pages, and kdlMount, which the hosts' entry points call.
//
// Every mount of the component shows one view (data.view). The views of a page share T and γ
// through KDL (module scope: one module for every mount of a host: a Streamlit page, one Jupyter widget):
// a drag of a slider sets KDL.T and redraws every view at the next animation frame, with no
// message to the server; the release sends one trigger, "release" = {values: {T: …}, seq}. The server
// acknowledges it: the slider's data carries "heard", the seq of the last release the server ran, and
// "version", which counts the changes of the view by anything else (a reset, a Train slider). A release can
// be lost: Streamlit 1.67 drops a rerun request it has taken but not yet started when a newer one (a page
// click) arrives. So a release stays pending until heard, and the next mount sends it again, unless the
// view changed otherwise since. Each view's element
// carries data-kdviz-view, data-frames (redraws) and the numbers it shows (see kdviz/viz/live/__init__.py).
// A frame redraws only the views on screen (an IntersectionObserver each); one off screen is drawn when it
// comes on screen, or once T and γ have rested KDL_SETTLE_MS, so its numbers are never left behind.

const KDL = {
  T: null, gamma: null,
  server: {}, // the last value of each parameter the server sent
  pending: {}, // parameter → value released and not yet heard by the server
  seq: 0, // the last release's number (this page load)
  version: null, // the server's view version when the pending values were released
  views: new Set(),
  byParent: new WeakMap(),
  scheduled: false,
  drawMs: 0, // the last frame's drawing time, all views (for tests and benchmarks)
  settleTimer: null,
  onInput: [], // called (name, value) on every input event of a live slider (views_room.js: the lecturer's drag)
};
const KDL_SETTLE_MS = 150; // off-screen views follow once a drag rests this long
if (typeof window !== "undefined") window.__kdvizLive = KDL; // for tests: the shared state and the views

/** Python's "g" format with precision p. */
function kdlG(v, p) {
  if (p === 0) p = 1;
  if (v === 0) return "0";
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  const strip = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  const [m, ex] = v.toExponential(p - 1).split("e");
  const e = Number(ex);
  if (e >= -4 && e < p) return strip(v.toFixed(Math.max(0, p - 1 - e)));
  const d = String(Math.abs(e)).padStart(2, "0");
  return `${strip(m)}e${e < 0 ? "-" : "+"}${d}`;
}

/** One field with a Python format spec: "", "g", ".3g", ".2f", "+.2f", ".4f", "," (thousands: 10,000). */
function kdlFmtValue(v, spec) {
  if (typeof v !== "number") return String(v);
  const m = /^([+ ]?)(,?)(?:\.(\d+))?([fg]?)$/.exec(spec || "");
  if (!m) return String(v);
  const [, sign, comma, prec, kind] = m;
  let s;
  if (kind === "f") s = v.toFixed(prec === undefined ? 6 : Number(prec));
  else if (kind === "g") s = kdlG(v, prec === undefined ? 6 : Number(prec));
  else s = Number.isInteger(v) ? String(v) : kdlG(v, 17);
  if (comma && !/e/.test(s)) s = s.replace(/^(-?)(\d+)/, (all, minus, int) => minus + int.replace(/\B(?=(\d{3})+$)/g, ","));
  if (sign === "+" && !s.startsWith("-")) s = "+" + s;
  return s;
}

/** A catalog template (Python format syntax) with `fields` filled in. */
function kdlFormat(template, fields) {
  return String(template).replace(/\{(\w+)(?::([^}]*))?\}/g, (all, name, spec) => (name in fields ? kdlFmtValue(fields[name], spec) : all));
}

/** Catalog markdown (bold, italic) as HTML, everything else escaped. */
function kdlMarkdown(text) {
  return chEsc(text).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/\*(.+?)\*/g, "<em>$1</em>");
}

function kdlEl(tag, cls, parent, attrs = {}) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

/** Redraw every live view at the next animation frame (many input events, one frame). */
function kdlSchedule() {
  if (KDL.scheduled) return;
  KDL.scheduled = true;
  requestAnimationFrame(() => {
    KDL.scheduled = false;
    const t0 = performance.now();
    let behind = 0;
    for (const v of [...KDL.views]) {
      if (!v.root.isConnected) {
        v.disconnect();
        KDL.views.delete(v);
        continue;
      }
      if (v.onScreen) v.render();
      else if (v.behind()) behind += 1; // an off-screen view already at this T and γ (just mounted) waits for nothing
    }
    KDL.drawMs = performance.now() - t0;
    if (behind) kdlSettleLater();
  });
}

/** Draw the off-screen views that missed frames, once no frame has come for KDL_SETTLE_MS. */
function kdlSettleLater() {
  clearTimeout(KDL.settleTimer);
  KDL.settleTimer = setTimeout(() => {
    for (const v of [...KDL.views]) if (v.behind() && v.root.isConnected) v.render();
  }, KDL_SETTLE_MS);
}

/** Take the server's value of a parameter, unless this page released another one the server has not heard. */
function kdlSync(name, value) {
  if (typeof value !== "number") return;
  if (KDL[name] === null) KDL[name] = value;
  if (KDL.server[name] === value) return; // nothing new from the server
  KDL.server[name] = value;
  if (name in KDL.pending) return; // our release is on its way: keep what the learner shows
  KDL[name] = value; // a value from elsewhere: the link, another page, a reset
}

/** The learner released ``name`` at ``x``: one trigger with every value not yet heard (against the view
 * version of the slider's last data, ``KDL.version``). */
function kdlRelease(setTriggerValue, name, x) {
  KDL[name] = x;
  KDL.pending[name] = x;
  KDL.seq += 1;
  setTriggerValue("release", { values: { ...KDL.pending }, seq: KDL.seq });
}

/** The slider's data: which release the server heard last, and its view version. Send what it missed,
 * unless the view changed otherwise since the release: then the server's values win. */
function kdlHeard(data, setTriggerValue) {
  const waiting = Object.keys(KDL.pending).length > 0;
  if (waiting && data.version !== KDL.version) {
    KDL.pending = {};
    KDL.server = {}; // take the server's values, even those it sent before
  } else if (waiting && data.heard < KDL.seq) {
    setTriggerValue("release", { values: { ...KDL.pending }, seq: KDL.seq });
  } else KDL.pending = {};
  KDL.version = data.version;
}

const kdlFmtT = (T) => kdlFmtValue(T, "g");

/** The class names a view shows: its data's ``classes`` (e.g. Fashion-MNIST's), else the digits "0" … "9". */
const kdlClasses = (d, n = 10) => (Array.isArray(d.classes) && d.classes.length === n ? d.classes.map(String)
  : Array.from({ length: n }, (_, i) => String(i)));

// ---------------------------------------------------------------- the views

/** Decoded arrays, cached by their base64 text (a rerun sends the same text again). */
const kdlDecoded = new Map();
function kdlF32(b64) {
  if (!kdlDecoded.has(b64)) {
    if (kdlDecoded.size > 16) kdlDecoded.clear();
    kdlDecoded.set(b64, decodeF32(b64));
  }
  return kdlDecoded.get(b64);
}
function kdlU8(b64) {
  const key = "u8:" + b64;
  if (!kdlDecoded.has(key)) kdlDecoded.set(key, decodeU8(b64));
  return kdlDecoded.get(key);
}

/** A chart title above its chart, as the pages draw plotly titles (page text that wraps). */
function kdlTitle(view, text) {
  if (!view.titleEl) view.titleEl = kdlEl("div", "kdl-title", view.root);
  view.titleEl.textContent = text;
}

function kdlChartBox(view) {
  if (!view.chartEl) view.chartEl = kdlEl("div", "kdl-chart", view.root);
  return view.chartEl;
}

/** The view's width in px: the one its ResizeObserver last saw (no layout), else measured (600 before layout).
 * Measuring in every view's draw would force a layout of the page per view, per frame, after the previous
 * view's new SVG. */
function kdlWidth(view) {
  const w = view.width > 50 ? view.width : Math.floor(view.root.getBoundingClientRect().width);
  return w > 50 ? w : 600;
}

function kdlMetric(parent, label, value, delta, help) {
  const box = kdlEl("div", "kdl-metric", parent);
  const l = kdlEl("div", "kdl-metric-label", box);
  l.textContent = label;
  if (help) l.title = help;
  kdlEl("div", "kdl-metric-value", box).textContent = value;
  if (delta) kdlEl("div", "kdl-metric-delta", box).textContent = delta;
  return box;
}

const KDL_VIEWS = {
  slider: {
    build(v) {
      v.inputs = {};
      for (const p of v.data.params) {
        const box = kdlEl("div", "kdl-slider", v.root);
        const head = kdlEl("div", "kdl-slider-head", box);
        const label = kdlEl("label", "kdl-label", head, { for: `kdl-${p.name}-${v.id}` });
        label.textContent = p.label;
        if (p.help) label.title = p.help;
        const value = kdlEl("span", "kdl-slider-value", head);
        const input = kdlEl("input", "kdl-range", box, {
          type: "range", id: `kdl-${p.name}-${v.id}`, min: p.min, max: p.max, step: p.step,
          "data-testid": `kdviz-live-${p.name}`, "aria-label": p.label,
        });
        const ends = kdlEl("div", "kdl-slider-ends", box);
        kdlEl("span", "", ends).textContent = kdlFmtT(p.min);
        kdlEl("span", "", ends).textContent = kdlFmtT(p.max);
        input.value = KDL[p.name];
        input.addEventListener("input", () => {
          KDL[p.name] = Number(input.value);
          kdlSchedule();
          for (const listener of KDL.onInput) listener(p.name, KDL[p.name]);
        });
        input.addEventListener("change", () => {
          kdlRelease(v.setTriggerValue, p.name, Number(input.value)); // the release: one rerun
          kdlSchedule();
        });
        v.inputs[p.name] = { input, value, p };
      }
    },
    draw(v) {
      for (const { input, value, p } of Object.values(v.inputs)) {
        if (Number(input.value) !== KDL[p.name] && document.activeElement !== input) input.value = KDL[p.name];
        value.textContent = kdlFmtT(KDL[p.name]);
        v.root.setAttribute(`data-${p.name.toLowerCase()}`, KDL[p.name]);
      }
    },
  },

  softmax: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T;
      const z = kdlF32(d.z);
      const p1 = softmaxRow(z, 1), p = softmaxRow(z, T);
      kdlTitle(v, kdlFormat(tx["temp.softmax_title"], { idx: d.idx, T }));
      kdlChartBox(v).innerHTML = chBars({
        width: kdlWidth(v), height: Math.round(300 * st.scale), st, cats: kdlClasses(d, z.length), logY: d.log_y, yRange: [0, 1],
        series: [{ name: "T = 1", color: st.roles["T = 1"], values: p1, hover: (x) => `p = ${x.toFixed(4)}` },
          { name: `T = ${kdlFmtT(T)}`, color: st.roles.soft, values: p, hover: (x) => `p = ${x.toFixed(4)}` }],
        xTitle: tx["plots.digit"], yTitle: tx["plots.probability"],
      });
      v.root.setAttribute("data-probs", JSON.stringify(Array.from(p)));
      v.root.setAttribute("data-probs1", JSON.stringify(Array.from(p1)));
    },
  },

  temp_numbers: {
    draw(v) {
      const d = v.data, tx = d.text, T = KDL.T, z = kdlF32(d.z);
      const p = softmaxRow(z, T);
      const order = Array.from(p.keys()).sort((a, b) => p[a] - p[b]);
      const top = p[order[order.length - 1]], runner = order[order.length - 2];
      const bits = entropyBits(z, T), bits1 = entropyBits(z, 1);
      v.root.replaceChildren();
      kdlMetric(v.root, tx["temp.top_p"], top.toFixed(3));
      kdlMetric(v.root, tx["temp.runner_up"], kdlClasses(d, z.length)[runner], kdlFormat(tx["temp.runner_up_p"], { p: p[runner] }));
      kdlMetric(v.root, tx["temp.entropy"], kdlFormat(tx["temp.entropy_value"], { bits }),
        kdlFormat(tx["temp.entropy_delta"], { delta: bits - bits1 }));
      Object.entries({ top, "runner-up": runner, "runner-up-p": p[runner], entropy: bits, entropy1: bits1 })
        .forEach(([k, x]) => v.root.setAttribute(`data-${k}`, x));
    },
  },

  entropy: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T, z = kdlF32(d.z);
      if (v.curveFor !== d.z) {
        v.curve = st.T_grid.map((t) => entropyBits(z, t));
        v.curveFor = d.z;
      }
      const bits = entropyBits(z, T);
      kdlTitle(v, tx["plots.entropy_title"]);
      kdlChartBox(v).innerHTML = chLines({
        width: kdlWidth(v), height: Math.round(300 * st.scale), st, x: st.T_grid, logX: true, xTicks: st.T_ticks,
        series: [{ name: tx["plots.entropy"], color: st.roles.soft, values: v.curve }], yRange: [0, 3.5],
        xTitle: tx["plots.T_log_axis"], yTitle: tx["plots.entropy_axis"],
        points: [{ x: T, y: bits, color: st.roles.total, size: 11 * st.scale }],
        hlines: [{ y: Math.log2(10), label: tx["plots.uniform"] }],
      });
      v.root.setAttribute("data-entropy", bits);
    },
  },

  map_text: {
    draw(v) {
      const d = v.data, tx = d.text, T = KDL.T;
      const m = kdlMap(d, T);
      const pairs = topConfusions(m, 10, 5), names = kdlClasses(d);
      const named = pairs.slice(0, 3).map((r) => kdlFormat(tx["temp.map_pair"], { true: names[r.true], like: names[r.like], p: r.p }))
        .join(tx["temp.map_pair_sep"]);
      if (!v.textEl) {
        v.textEl = kdlEl("div", "kdl-text", v.root);
        v.tableEl = kdlEl("table", "kdl-table", v.root);
      }
      v.textEl.innerHTML = kdlMarkdown(kdlFormat(tx["temp.map_explain"], { T, pairs: named }));
      const head = `<thead><tr>${["temp.col_true", "temp.col_like", "temp.col_p"].map((k) => `<th>${chEsc(tx[k])}</th>`).join("")}</tr></thead>`;
      v.tableEl.innerHTML = head + "<tbody>" + pairs.map((r) => `<tr><th>${chEsc(names[r.true])}</th><td>${chEsc(names[r.like])}</td><td>${r.p.toFixed(4)}</td></tr>`).join("") + "</tbody>";
      v.root.setAttribute("data-pairs", JSON.stringify(pairs.map((r) => [r.true, r.like, r.p])));
    },
  },

  map: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style, T = KDL.T;
      const m = kdlMap(d, T);
      const shown = Float64Array.from(m);
      if (d.hide) for (let i = 0; i < 10; i++) shown[i * 11] = NaN;
      kdlTitle(v, kdlFormat(tx["temp.map_title"], { T }));
      const names = kdlClasses(d);
      kdlChartBox(v).innerHTML = chHeat({
        width: kdlWidth(v), height: Math.round(440 * st.scale), st, z: shown, rows: 10, cols: 10, scale: "Magma_r",
        xCats: names, yCats: names, reverseY: true, square: true, xTitle: tx["plots.dk_x"], yTitle: tx["plots.true_digit"], barTitle: "p",
        cellText: (r, c, val) => kdlFormat(tx["plots.dk_hover"], { true: names[r], other: names[c], p: val.toFixed(3) }),
      });
      v.root.setAttribute("data-matrix", JSON.stringify(Array.from(m)));
    },
  },

  digit_image: {
    draw(v) {
      const d = v.data, st = d.style;
      if (v.drawnFor === d.image) return false; // nothing here depends on T
      v.drawnFor = d.image;
      kdlTitle(v, d.caption);
      const img = kdlU8(d.image), canvas = v.canvas || (v.canvas = kdlEl("canvas", "kdl-digit", kdlChartBox(v), { width: 28, height: 28 }));
      canvas.style.width = canvas.style.height = `${Math.round(196 * st.scale)}px`;
      const ctx = canvas.getContext("2d"), pix = ctx.createImageData(28, 28);
      for (let i = 0; i < 784; i++) { // 0 = white paper, 255 = black ink
        const g = 255 - img[i];
        pix.data.set([g, g, g, 255], 4 * i);
      }
      ctx.putImageData(pix, 0, 0);
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", d.caption);
      return true;
    },
  },

  digit: {
    draw(v) {
      const d = v.data, tx = d.text, st = d.style;
      if (v.drawnFor === d.z + d.image + kdlWidth(v)) return false; // nothing here depends on T
      v.drawnFor = d.z + d.image + kdlWidth(v);
      v.root.replaceChildren();
      v.titleEl = v.chartEl = null;
      kdlTitle(v, kdlFormat(tx["temp.logits_title"], { idx: d.idx }));
      const z = kdlF32(d.z);
      kdlChartBox(v).innerHTML = chBars({
        width: kdlWidth(v), height: Math.round(300 * st.scale), st, cats: kdlClasses(d, z.length),
        series: [{ name: tx["plots.logit"], color: st.roles.teacher, values: z, hover: (x) => `z = ${x.toFixed(2)}` }],
        legend: false, xTitle: tx["plots.digit"], yTitle: tx["plots.logit"],
      });
      return true;
    },
  },
  ...KDL_LOSS_VIEWS, // views_losses.js
  ...KDL_DKD_VIEWS, // views_dkd.js
  ...KDL_MINE_VIEWS, // views_mine.js
  ...KDL_ROOM_VIEWS, // views_room.js
};

function kdlSetNumbers(v, numbers) {
  for (const [k, x] of Object.entries(numbers)) v.root.setAttribute(`data-${k}`, x);
}

/** One mounted view: its root element, its data, and how it draws. */
class KdlView {
  constructor(parent, data, setTriggerValue) {
    this.id = Math.random().toString(36).slice(2, 8);
    this.root = kdlEl("div", "kdl-view", parent);
    this.frames = 0;
    this.onScreen = true; // until the IntersectionObserver's first report
    this.drawnAt = null; // the T and γ of its last drawing
    this.update(data, setTriggerValue);
    this.seen = new IntersectionObserver((entries) => {
      this.onScreen = entries[entries.length - 1].isIntersecting;
      if (this.onScreen && this.behind()) this.render();
    }, { rootMargin: "64px" });
    this.seen.observe(this.root);
    this.observer = new ResizeObserver(() => {
      const w = Math.floor(this.root.getBoundingClientRect().width);
      if (w !== this.width) {
        this.width = w;
        this.render();
      }
    });
    this.observer.observe(this.root);
  }

  /** Drawn at another T or γ than the page's: it missed frames while off screen. */
  behind() {
    return this.drawnAt !== `${KDL.T}|${KDL.gamma}`;
  }

  disconnect() {
    this.observer.disconnect();
    this.seen.disconnect();
  }

  update(data, setTriggerValue) {
    const rebuild = !this.data || this.data.view !== data.view;
    this.data = data;
    this.setTriggerValue = setTriggerValue;
    this.impl = KDL_VIEWS[data.view];
    if (!this.impl) throw new Error(`kdviz live: unknown view ${data.view}`);
    this.root.setAttribute("data-kdviz-view", data.view);
    this.root.style.setProperty("--kdl-px", `${data.style.px}px`);
    this.root.style.setProperty("--kdl-title-px", `${data.style.title_px}px`);
    this.root.style.setProperty("--kdl-scale", data.style.scale);
    if (rebuild) {
      this.root.replaceChildren();
      this.titleEl = this.chartEl = null;
      if (this.impl.build) this.impl.build(this);
    }
    this.render();
  }

  render() {
    if (KDL.T === null) return; // the slider view brings T (and γ); the others wait for it
    this.drawnAt = `${KDL.T}|${KDL.gamma}`;
    try {
      if (this.impl.draw(this) === false) return;
    } catch (err) { // one line, never a blank view without a word
      this.root.setAttribute("data-error", String(err && err.message ? err.message : err));
      console.error("kdviz live view", this.data.view, err);
      return;
    }
    this.root.removeAttribute("data-error");
    this.frames += 1;
    this.root.setAttribute("data-frames", this.frames);
    this.root.setAttribute("data-T", KDL.T);
    if (KDL.gamma !== null) this.root.setAttribute("data-gamma", KDL.gamma);
  }
}

/** A mount's data: ui.live sends it as UTF-8 JSON bytes (forwarded by Streamlit as is), or an object. */
function kdlData(raw) {
  if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    const bytes = raw instanceof ArrayBuffer ? new Uint8Array(raw) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    return JSON.parse(new TextDecoder().decode(bytes));
  }
  return typeof raw === "string" ? JSON.parse(raw) : raw;
}

/** Mount one view (``data``: a view's dict, :func:`kdviz.viz.live.view`) in ``parentElement``, or give a mounted
 * one new data; ``setTriggerValue(name, value)`` is how the view tells its host (only "release", from the slider).
 * Returns the unmount. Each host's entry point calls it: host_streamlit.js (Streamlit Components v2) and
 * host_anywidget.js (Jupyter). */
function kdlMount(parentElement, data, setTriggerValue) {
  kdlSync("T", data.T);
  if (data.gamma !== undefined) kdlSync("gamma", data.gamma);
  let view = KDL.byParent.get(parentElement);
  if (view && view.root.isConnected) view.update(data, setTriggerValue); // new data for a mounted view
  else {
    if (view) view.disconnect();
    view = new KdlView(parentElement, data, setTriggerValue);
    KDL.byParent.set(parentElement, view);
  }
  KDL.views.add(view);
  kdlSchedule(); // the other views follow a T that came from the host
  return () => {
    view.disconnect();
    KDL.views.delete(view);
    KDL.byParent.delete(parentElement);
    view.root.remove();
  };
}
