// charts.js: small SVG charts for the live view (bars, lines with a marker, heatmap with a colour bar).
//
// Each builder returns an SVG string for a box of width × height px, in the look of kdviz.viz.style
// (the plotly template it replaces): `st` is kdviz.viz.live.style_payload() (font, px, title_px, ink,
// muted, grid, roles). Names start with `ch` so they don't collide with kdmath.js / views.js.

/** Plotly's Viridis and Magma (plotly.colors.sequential), reversed: light at the minimum, darkest at the maximum. */
const CH_SCALES = {
  Viridis_r: ["#fde725", "#b5de2b", "#6ece58", "#35b779", "#1f9e89", "#26828e", "#31688e", "#3e4989", "#482878", "#440154"],
  Magma_r: ["#fcfdbf", "#feca8d", "#fd9668", "#f1605d", "#cd4071", "#9e2f7f", "#721f81", "#440f76", "#180f3d", "#000004"],
};

const chCanvas = { ctx: null };

/** Width in px of `text` at `px` in the chart font (canvas measureText; 0.55 em a character without a canvas). */
function chMeasure(text, px, font) {
  if (!chCanvas.ctx && typeof document !== "undefined") chCanvas.ctx = document.createElement("canvas").getContext("2d");
  if (!chCanvas.ctx) return String(text).length * px * 0.55;
  chCanvas.ctx.font = `${px}px ${font}`;
  return chCanvas.ctx.measureText(String(text)).width;
}

function chEsc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Colour of `t` in [0, 1] on the scale `name` (linear RGB interpolation between the stops, as plotly). */
function chColour(name, t) {
  const stops = CH_SCALES[name];
  if (!Number.isFinite(t)) return null;
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x)), f = x - i;
  const a = stops[i], b = stops[i + 1];
  const c = [1, 3, 5].map((k) => Math.round(parseInt(a.slice(k, k + 2), 16) * (1 - f) + parseInt(b.slice(k, k + 2), 16) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** About `count` round tick values covering [lo, hi] (1, 2, 2.5 or 5 × 10^k steps). */
function chTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** A tick label: up to 4 significant digits, no trailing zeros (as plotly's default). */
function chTickText(v) {
  if (v === 0) return "0";
  const s = Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(4)));
  return s.replace("-", "−");
}

const CH_SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** 10 to the power k, as plotly's exponentformat "power": 10⁻³. */
function chPow10(k) {
  return "10" + String(k).split("").map((c) => CH_SUP[c]).join("");
}

/** An axis: a map from data to px (linear or log10). */
function chAxis(lo, hi, p0, p1, log) {
  const f = log ? Math.log10 : (v) => v;
  const a = f(lo), b = f(hi);
  const scale = (v) => p0 + ((f(v) - a) / (b - a || 1)) * (p1 - p0);
  scale.lo = lo;
  scale.hi = hi;
  return scale;
}

/**
 * The plot area inside width × height for the given tick texts and axis titles, and room below for a legend.
 * Returns {x0, x1, y0, y1} in px (y0 top, y1 bottom).
 */
function chArea(width, height, st, { yTickTexts = [], xTitle = "", yTitle = "", right = 10, legendH = 0, top = 12,
  xCats = null, square = false }) {
  const px = st.px;
  const tickW = Math.max(0, ...yTickTexts.map((t) => chMeasure(t, px, st.font)));
  const x0 = 6 + (yTitle ? px * 1.7 : 0) + tickW + 12;
  let y1 = height - 6 - legendH - (xTitle ? px * 1.4 : 0) - px * 1.3 - 6;
  // category labels wider than their band (class names, not digits) are tilted, and the plot gives them room
  let tilt = 0, tiltDeg = 0;
  if (xCats && xCats.length) {
    const widest = Math.max(...xCats.map((t) => chMeasure(t, px, st.font)));
    const band = (square ? Math.min(width - right - x0, y1 - top) : width - right - x0) / xCats.length;
    if (widest > 0.9 * band) { // 40°, or upright when even tilted labels would touch (a phone)
      tiltDeg = band * Math.sin((40 * Math.PI) / 180) >= px * 1.15 ? 40 : 90;
      tilt = widest * Math.sin((tiltDeg * Math.PI) / 180) + px * 0.3;
      y1 -= tilt;
    }
  }
  return { x0, x1: width - right, y0: top, y1, tilt, tiltDeg };
}

/** Legend items laid out in rows within `width`: returns {h, svg(y)}. Items: {name, color, dash, kind: "line"|"box", opacity}. */
function chLegend(items, width, st, x0 = 0) {
  const px = st.px, sw = px * 2, gap = px * 1.2;
  const rows = [[]];
  let x = x0;
  for (const it of items) {
    const w = sw + 6 + chMeasure(it.name, px, st.font);
    if (x + w > width && rows[rows.length - 1].length) {
      rows.push([]);
      x = x0;
    }
    rows[rows.length - 1].push({ ...it, x });
    x += w + gap;
  }
  const lineH = px * 1.5;
  return {
    h: items.length ? rows.length * lineH + 4 : 0,
    svg: (top) => rows.map((row, r) => row.map((it) => {
      const y = top + r * lineH + lineH / 2;
      const mark = it.kind === "box"
        ? `<rect x="${it.x}" y="${y - px / 2}" width="${sw}" height="${px}" fill="${it.color}"${it.opacity ? ` fill-opacity="${it.opacity}" stroke="${it.color}"` : ""}/>`
        : `<line x1="${it.x}" x2="${it.x + sw}" y1="${y}" y2="${y}" stroke="${it.color}" stroke-width="${it.width || 2}"${it.dash ? ' stroke-dasharray="6 4"' : ""}/>`;
      return mark + `<text x="${it.x + sw + 6}" y="${y}" dominant-baseline="central" font-size="${px}" fill="${st.ink}">${chEsc(it.name)}</text>`;
    }).join("")).join(""),
  };
}

/** Axes: lines, ticks, tick labels, grid and titles. `xt`/`yt`: [{v, text}]; `xCat`: category centres in px. */
function chAxesSvg(area, st, { xs, ys, xt, yt, xTitle, yTitle, yGrid = true }) {
  const px = st.px, ink = st.ink, muted = st.muted;
  let s = "";
  if (yGrid) for (const t of yt) s += `<line x1="${area.x0}" x2="${area.x1}" y1="${ys(t.v)}" y2="${ys(t.v)}" stroke="${st.grid}"/>`;
  s += `<line x1="${area.x0}" x2="${area.x1}" y1="${area.y1}" y2="${area.y1}" stroke="${muted}"/>`;
  s += `<line x1="${area.x0}" x2="${area.x0}" y1="${area.y0}" y2="${area.y1}" stroke="${muted}"/>`;
  for (const t of xt) {
    const x = xs(t.v);
    s += `<line x1="${x}" x2="${x}" y1="${area.y1}" y2="${area.y1 + 5}" stroke="${muted}"/>`;
    s += area.tilt
      ? `<text transform="translate(${x},${area.y1 + 9}) rotate(-${area.tiltDeg})" text-anchor="end" dominant-baseline="central" font-size="${px}" fill="${ink}">${chEsc(t.text)}</text>`
      : `<text x="${x}" y="${area.y1 + 7 + px * 0.9}" text-anchor="middle" font-size="${px}" fill="${ink}">${chEsc(t.text)}</text>`;
  }
  for (const t of yt) {
    const y = ys(t.v);
    s += `<line x1="${area.x0 - 5}" x2="${area.x0}" y1="${y}" y2="${y}" stroke="${muted}"/>`;
    s += `<text x="${area.x0 - 8}" y="${y}" text-anchor="end" dominant-baseline="central" font-size="${px}" fill="${ink}">${chEsc(t.text)}</text>`;
  }
  if (xTitle) s += `<text x="${(area.x0 + area.x1) / 2}" y="${area.y1 + (area.tilt || 0) + 7 + px * 2.3}" text-anchor="middle" font-size="${px}" fill="${ink}">${chEsc(xTitle)}</text>`;
  if (yTitle) {
    const cy = (area.y0 + area.y1) / 2, x = 6 + px * 0.8;
    s += `<text transform="translate(${x},${cy}) rotate(-90)" text-anchor="middle" dominant-baseline="central" font-size="${px}" fill="${ink}">${chEsc(yTitle)}</text>`;
  }
  return s;
}

function chSvg(width, height, st, body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${chEsc(st.font)}">${body}</svg>`;
}

/** Log-axis ticks for values in [lo, hi]: the decades, as 10^k. */
function chLogTicks(lo, hi) {
  const out = [];
  for (let k = Math.ceil(Math.log10(lo) - 1e-9); k <= Math.floor(Math.log10(hi) + 1e-9); k++) out.push({ v: Math.pow(10, k), text: chPow10(k) });
  return out;
}

/**
 * Grouped bars over categories.
 * opts: {width, height, st, cats: ["0", …], series: [{name, color, values}], logY, yRange: [lo, hi] (linear),
 *        xTitle, yTitle, legend: true}
 */
function chBars(o) {
  const { width, height, st } = o;
  const all = o.series.flatMap((s) => Array.from(s.values));
  let lo, hi, yt;
  if (o.logY) {
    const pos = all.filter((v) => v > 0);
    lo = Math.pow(10, Math.floor(Math.log10(Math.min(...pos))));
    hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...pos)) + 1e-9));
    if (hi <= lo) hi = lo * 10;
    yt = chLogTicks(lo, hi);
    while (yt.length > 6) yt = yt.filter((_, i) => i % 2 === 0);
  } else {
    const span = Math.max(...all, 0) - Math.min(0, ...all) || 1;
    [lo, hi] = o.yRange || [Math.min(0, ...all) - (Math.min(...all) < 0 ? 0.05 * span : 0), Math.max(0, ...all) + 0.05 * span];
    yt = chTicks(lo, hi, 5).map((v) => ({ v, text: chTickText(v) }));
  }
  const legend = o.legend === false ? { h: 0, svg: () => "" } : chLegend(o.series.map((s) => ({ name: s.name, color: s.color, kind: "box" })), width, st, 6);
  const area = chArea(width, height, st, { yTickTexts: yt.map((t) => t.text), xTitle: o.xTitle, yTitle: o.yTitle, legendH: legend.h,
    xCats: o.cats });
  const ys = chAxis(lo, hi, area.y1, area.y0, !!o.logY);
  const n = o.cats.length, band = (area.x1 - area.x0) / n, inner = band * 0.8, bw = inner / o.series.length;
  const xs = (i) => area.x0 + band * (i + 0.5);
  let s = chAxesSvg(area, st, { xs, ys, xt: o.cats.map((c, i) => ({ v: i, text: c })), yt, xTitle: o.xTitle, yTitle: o.yTitle });
  const base = o.logY ? area.y1 : ys(Math.max(lo, 0));
  o.series.forEach((ser, k) => {
    for (let i = 0; i < n; i++) {
      const v = ser.values[i];
      if (!(Number.isFinite(v)) || (o.logY && v <= 0)) continue;
      const y = Math.max(area.y0, Math.min(area.y1, ys(v)));
      const x = xs(i) - inner / 2 + k * bw;
      s += `<rect x="${x}" y="${Math.min(y, base)}" width="${Math.max(bw - 1, 1)}" height="${Math.abs(base - y)}" fill="${ser.color}"><title>${chEsc(ser.name)}: ${chEsc(o.cats[i])} → ${chEsc(ser.hover ? ser.hover(v) : v)}</title></rect>`;
    }
  });
  s += legend.svg(height - legend.h);
  return chSvg(width, height, st, s);
}

/**
 * Lines against x (log axis when logX), with a dotted marker line at `markX` labelled `markLabel`,
 * marker points, dotted horizontal lines. A series with `area` is filled down to `area` (an array of
 * lower values, e.g. the series below it when stacked, or `true` for 0) at `opacity` (0.55): a
 * <polygon class="kdl-area" data-name="…">, drawn under every line, its legend item a box.
 * opts: {width, height, st, x: [...], series: [{name, color, values, dash, width, legend, area, opacity}], logX, logY,
 *        yRange, xTicks: [..], xTitle, yTitle, markX, markLabel, points: [{x, y, color, size, symbol}],
 *        hlines: [{y, label}], legend: bool}
 */
function chLines(o) {
  const { width, height, st } = o;
  const xlo = Math.min(...o.x), xhi = Math.max(...o.x);
  const all = o.series.flatMap((s) => Array.from(s.values)).filter((v) => Number.isFinite(v) && (!o.logY || v > 0));
  let lo, hi, yt;
  if (o.logY) {
    lo = Math.min(...all);
    hi = Math.max(...all);
    const pad = (Math.log10(hi) - Math.log10(lo)) * 0.05 || 0.1;
    lo = Math.pow(10, Math.log10(lo) - pad);
    hi = Math.pow(10, Math.log10(hi) + pad);
    yt = chLogTicks(lo, hi);
    while (yt.length > 6) yt = yt.filter((_, i) => i % 2 === 0); // many decades (a tiny 1 − p_t): every other one
    if (yt.length < 2) yt = [lo, Math.sqrt(lo * hi), hi].map((v) => ({ v, text: chTickText(Number(v.toPrecision(2))) }));
  } else {
    [lo, hi] = o.yRange || [Math.min(0, ...all), Math.max(...all) * 1.06 || 1];
    yt = chTicks(lo, hi, 5).map((v) => ({ v, text: chTickText(v) }));
  }
  const items = o.series.filter((s) => s.legend !== false).map((s) => ({ name: s.name, color: s.color, dash: s.dash, width: s.width,
    kind: s.area ? "box" : "line", opacity: s.area ? s.opacity || 0.55 : 0 }));
  const legend = o.legend ? chLegend(items, width, st, 6) : { h: 0, svg: () => "" };
  const area = chArea(width, height, st, { yTickTexts: yt.map((t) => t.text), xTitle: o.xTitle, yTitle: o.yTitle, legendH: legend.h });
  const xs = chAxis(xlo, xhi, area.x0, area.x1, !!o.logX), ys = chAxis(lo, hi, area.y1, area.y0, !!o.logY);
  const xt = (o.xTicks || chTicks(xlo, xhi)).filter((v) => v >= xlo - 1e-9 && v <= xhi + 1e-9).map((v) => ({ v, text: String(v) }));
  let s = chAxesSvg(area, st, { xs, ys, xt, yt, xTitle: o.xTitle, yTitle: o.yTitle });
  const clip = `kdl-clip-${Math.random().toString(36).slice(2, 8)}`;
  s += `<clipPath id="${clip}"><rect x="${area.x0}" y="${area.y0 - 1}" width="${area.x1 - area.x0}" height="${area.y1 - area.y0 + 2}"/></clipPath><g clip-path="url(#${clip})">`;
  for (const h of o.hlines || []) {
    const y = ys(h.y);
    s += `<line x1="${area.x0}" x2="${area.x1}" y1="${y}" y2="${y}" stroke="${st.muted}" stroke-dasharray="2 3"/>`;
    if (h.label) s += `<text x="${area.x1 - 4}" y="${y + 4}" text-anchor="end" dominant-baseline="hanging" font-size="${st.px}" fill="${st.ink}">${chEsc(h.label)}</text>`;
  }
  for (const ser of o.series.filter((x) => x.area)) { // filled areas first, under every line
    const top = [], bottom = [];
    o.x.forEach((x, i) => {
      const v = ser.values[i], b = ser.area === true ? 0 : ser.area[i];
      if (!Number.isFinite(v) || !Number.isFinite(b)) return;
      top.push(`${xs(x).toFixed(1)},${ys(v).toFixed(1)}`);
      bottom.push(`${xs(x).toFixed(1)},${ys(b).toFixed(1)}`);
    });
    s += `<polygon class="kdl-area" data-name="${chEsc(ser.name)}" points="${top.concat(bottom.reverse()).join(" ")}" fill="${ser.color}" fill-opacity="${ser.opacity || 0.55}"><title>${chEsc(ser.name)}</title></polygon>`;
  }
  for (const ser of o.series) {
    const pts = [];
    o.x.forEach((x, i) => {
      const v = ser.values[i];
      if (Number.isFinite(v) && (!o.logY || v > 0)) pts.push(`${xs(x).toFixed(1)},${ys(v).toFixed(1)}`);
    });
    s += `<polyline fill="none" stroke="${ser.color}" stroke-width="${ser.width || 2}"${ser.dash ? ' stroke-dasharray="6 4"' : ""} points="${pts.join(" ")}"/>`;
  }
  s += "</g>";
  if (o.markX !== undefined) {
    const x = xs(o.markX);
    s += `<line x1="${x}" x2="${x}" y1="${area.y0}" y2="${area.y1}" stroke="${st.muted}" stroke-width="1.5" stroke-dasharray="2 3"/>`;
    if (o.markLabel) {
      const w = chMeasure(o.markLabel, st.px, st.font), left = x + 4 + w > area.x1;
      s += `<text x="${left ? x - 4 : x + 4}" y="${area.y0 + 2}" text-anchor="${left ? "end" : "start"}" dominant-baseline="hanging" font-size="${st.px}" fill="${st.ink}">${chEsc(o.markLabel)}</text>`;
    }
  }
  for (const p of o.points || []) {
    if (!Number.isFinite(p.y)) continue;
    s += `<circle cx="${xs(p.x)}" cy="${ys(p.y)}" r="${(p.size || 11) / 2}" fill="${p.color}"/>`;
  }
  s += legend.svg(height - legend.h);
  return chSvg(width, height, st, s);
}

/**
 * A heatmap with a colour bar, darkest at the maximum.
 * opts: {width, height, st, z: rows × cols (row-major array), rows, cols, scale: "Viridis_r" | "Magma_r",
 *        xCats / yCats (category labels) or xVals (log axis, ticks xTicks) / yVals (linear),
 *        reverseY, square, xTitle, yTitle, barTitle, marker: {x, y}, cellText(r, c, v)}
 */
/** The marker's cross (an SVG path) centred at (mx, my) px, arms of d px. */
function chCross(mx, my, d = 7) {
  return `M${mx - d},${my - d}L${mx + d},${my + d}M${mx - d},${my + d}L${mx + d},${my - d}`;
}

const chHeatCells = new WeakMap(); // z array → {key, s}: the cells' SVG of the last layout drawn

function chHeat(o) {
  const { width, height, st } = o;
  const z = o.z, R = o.rows, Cn = o.cols;
  let zlo = Infinity, zhi = -Infinity;
  for (let i = 0; i < R * Cn; i++) if (Number.isFinite(z[i])) { zlo = Math.min(zlo, z[i]); zhi = Math.max(zhi, z[i]); }
  if (!(zhi > zlo)) zhi = zlo + 1e-12;
  const barTicks = chTicks(zlo, zhi, 4).map((v) => ({ v, text: chTickText(Number(v.toPrecision(6))) }));
  const px = st.px;
  const barW = 16, barTextW = Math.max(chMeasure(o.barTitle || "", px, st.font), ...barTicks.map((t) => chMeasure(t.text, px, st.font))) + 14;
  const yTexts = o.yCats ? o.yCats : chTicks(Math.min(...o.yVals), Math.max(...o.yVals), 5).map(chTickText);
  let area = chArea(width, height, st, { yTickTexts: yTexts, xTitle: o.xTitle, yTitle: o.yTitle, right: barW + barTextW + 16, top: px * 1.6,
    xCats: o.xCats, square: o.square });
  if (o.square) { // equal cell width and height, centred vertically
    const side = Math.min(area.x1 - area.x0, area.y1 - area.y0);
    area = { ...area, x1: area.x0 + side, y1: area.y0 + side };
  }
  let xEdge, yEdge, xs, ys, xt, yt;
  if (o.xCats) {
    const w = (area.x1 - area.x0) / Cn;
    xEdge = (c) => area.x0 + c * w;
    xs = (c) => area.x0 + (c + 0.5) * w;
    xt = o.xCats.map((t, c) => ({ v: c, text: t }));
  } else { // numeric log x: cells centred on xVals, edges at geometric midpoints
    const v = o.xVals, lg = v.map(Math.log10);
    const edges = [lg[0] - (lg[1] - lg[0]) / 2, ...lg.slice(1).map((l, i) => (l + lg[i]) / 2), lg[Cn - 1] + (lg[Cn - 1] - lg[Cn - 2]) / 2];
    const ax = chAxis(Math.pow(10, edges[0]), Math.pow(10, edges[Cn]), area.x0, area.x1, true);
    xEdge = (c) => ax(Math.pow(10, edges[c]));
    xs = ax;
    xt = (o.xTicks || []).map((t) => ({ v: t, text: String(t) }));
  }
  if (o.yCats) {
    const h = (area.y1 - area.y0) / R;
    yEdge = (r) => (o.reverseY ? area.y0 + r * h : area.y1 - r * h);
    ys = (r) => (o.reverseY ? area.y0 + (r + 0.5) * h : area.y1 - (r + 0.5) * h);
    yt = o.yCats.map((t, r) => ({ v: r, text: t }));
  } else {
    const v = o.yVals, step = v[1] - v[0];
    const ay = chAxis(v[0] - step / 2, v[R - 1] + step / 2, area.y1, area.y0, false);
    yEdge = (r) => ay(v[0] - step / 2 + r * step);
    ys = ay;
    yt = chTicks(v[0], v[R - 1], 5).map((t) => ({ v: t, text: chTickText(t) }));
  }
  // the cells: kept per z array and layout, so a heatmap whose values stay (the γ × T grid) only moves its marker
  const cellKey = `${width}|${height}|${o.scale}|${zlo}|${zhi}|${area.x0}|${area.x1}|${area.y0}|${area.y1}|${o.xTitle}`;
  const memo = chHeatCells.get(z);
  let s = memo && memo.key === cellKey ? memo.s : "";
  if (!s) {
    for (let r = 0; r < R; r++) {
      const ya = yEdge(r), yb = yEdge(r + 1);
      for (let c = 0; c < Cn; c++) {
        const val = z[r * Cn + c];
        if (!Number.isFinite(val)) continue;
        const xa = xEdge(c), xb = xEdge(c + 1);
        const tip = o.cellText ? `<title>${chEsc(o.cellText(r, c, val))}</title>` : "";
        s += `<rect x="${xa.toFixed(2)}" y="${Math.min(ya, yb).toFixed(2)}" width="${(xb - xa + 0.5).toFixed(2)}" height="${(Math.abs(yb - ya) + 0.5).toFixed(2)}" fill="${chColour(o.scale, (val - zlo) / (zhi - zlo))}">${tip}</rect>`;
      }
    }
    chHeatCells.set(z, { key: cellKey, s });
  }
  s += chAxesSvg(area, st, { xs, ys, xt, yt, xTitle: o.xTitle, yTitle: o.yTitle, yGrid: false });
  const crossAt = (x, y) => chCross(xs(x), ys(y));
  if (o.marker) {
    const cross = crossAt(o.marker.x, o.marker.y);
    s += `<path class="kdl-marker" d="${cross}" stroke="${st.ink}" stroke-width="5.5" stroke-linecap="round"/><path class="kdl-marker" d="${cross}" stroke="white" stroke-width="3" stroke-linecap="round"/>`;
  }
  if (o.onLayout) o.onLayout(crossAt); // a caller that keeps this SVG can move the marker alone
  // the colour bar: a gradient from the minimum (bottom, light) to the maximum (top, darkest)
  const bx = area.x1 + 14, by0 = area.y0, by1 = area.y1, id = `kdl-grad-${Math.random().toString(36).slice(2, 8)}`;
  const stops = CH_SCALES[o.scale];
  s += `<defs><linearGradient id="${id}" x1="0" y1="1" x2="0" y2="0">${stops.map((c, i) => `<stop offset="${(100 * i) / (stops.length - 1)}%" stop-color="${c}"/>`).join("")}</linearGradient></defs>`;
  s += `<rect class="kdl-colourbar" x="${bx}" y="${by0}" width="${barW}" height="${by1 - by0}" fill="url(#${id})"/>`;
  const bs = chAxis(zlo, zhi, by1, by0, false);
  for (const t of barTicks) {
    const y = bs(t.v);
    s += `<line x1="${bx + barW}" x2="${bx + barW + 4}" y1="${y}" y2="${y}" stroke="${st.muted}"/><text x="${bx + barW + 7}" y="${y}" dominant-baseline="central" font-size="${px}" fill="${st.ink}">${chEsc(t.text)}</text>`;
  }
  if (o.barTitle) s += `<text x="${bx}" y="${by0 - 6}" font-size="${px}" fill="${st.ink}">${chEsc(o.barTitle)}</text>`;
  const h = o.square ? Math.min(height, area.y1 + area.tilt + 7 + px * 2.3 + 10) : height; // shrunk to the square
  return chSvg(width, h, st, s);
}
