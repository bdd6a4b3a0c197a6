"""What tests/test_layout.py measures in the page: cut-off text and colour bars, read from the rendered DOM.

``TRUNCATED`` (a JavaScript function for ``page.evaluate``) lists every piece of text that is wider than
the box that shows it; ``CHART_TEXT`` every plotly text that overlaps another, leaves its figure or is
crossed by a line (``figure_problems`` runs it on one figure alone, at a chosen width); ``COLOUR_BARS`` reads the colour bar of every heatmap as plotly drew it (the
``<linearGradient>`` stops, after any theming); ``colour_bar_problems`` judges those in Python.
Also used by hand: ``python tests/layout_checks.py URL [WIDTHxHEIGHT]`` prints what a page fails.
"""

from __future__ import annotations

import re

# Page elements that carry text a reader must see whole. Each is checked for its own overflow
# (scrollWidth > clientWidth + 1) and, through its text's extent, against every ancestor that
# clips (overflow other than visible). Elements with ``text-overflow: ellipsis`` are added in JS.
TEXT_SELECTORS = ", ".join([
    '[data-testid="stMetricValue"]', '[data-testid="stMetricLabel"]', '[data-testid="stMetricDelta"]',
    "button", '[data-testid="stPageLink-NavLink"]', '[role="tab"]',
    ".katex-display", ".katex",
    "h1", "h2", "h3", "h4", "h5", "h6",
    '[data-testid="stMarkdownContainer"] p', '[data-testid="stMarkdownContainer"] li',
    '[data-testid="stCaptionContainer"]', '[data-testid="stWidgetLabel"]',
    '[data-testid="stTable"] th', '[data-testid="stTable"] td',
    '[data-testid="stDataFrame"]', '[data-testid="stImage"]', "canvas", "iframe",
    ".js-plotly-plot .svg-container",
])

TRUNCATED = r"""(selectors) => {
    const innerW = window.innerWidth;
    const VSLACK = 4;  // px: descenders and line-height may spill a little below a clipping box
    const out = [];
    const testid = e => e.getAttribute && e.getAttribute('data-testid');
    const path = e => {  // CSS-ish: the data-testid ancestors (with the column's index), then the tag
        const parts = [];
        for (let a = e; a && a !== document.body && parts.length < 6; a = a.parentElement) {
            const id = testid(a);
            if (id === 'stColumn') {
                const i = [...a.parentElement.children].filter(c => testid(c) === 'stColumn').indexOf(a);
                parts.push(`stColumn[${i}]`);
            } else if (id && !['stVerticalBlock', 'stElementContainer', 'stMarkdown', 'stVerticalBlockBorderWrapper'].includes(id)) {
                parts.push(id);
            } else if (a === e) {
                parts.push(a.tagName.toLowerCase() + (a.getAttribute('role') ? `[role=${a.getAttribute('role')}]` : ''));
            }
        }
        return parts.reverse().join(' > ');
    };
    const text = e => (e.innerText || e.textContent || e.getAttribute('aria-label') || `<${e.tagName.toLowerCase()}>`)
        .replace(/\s+/g, ' ').trim().slice(0, 80);
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const sidebarHidden = !sidebar || sidebar.getAttribute('data-collapsed') === 'true'
        || sidebar.getAttribute('aria-expanded') === 'false' || sidebar.getBoundingClientRect().right <= 1;
    const shown = e => {
        if (sidebarHidden && sidebar && sidebar.contains(e)) return false;
        if (e.closest('.modebar-container, .hoverlayer, [data-testid="stElementToolbar"], [data-testid="stTooltipContent"]')) return false;
        if (e.checkVisibility && !e.checkVisibility({checkVisibilityCSS: true})) return false;
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0;
    };
    const extent = e => {  // the box of what the element draws: its text and child boxes
        if (['CANVAS', 'IFRAME', 'IMG'].includes(e.tagName)) return e.getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(e);
        const r = range.getBoundingClientRect();
        return r.width > 0 ? r : e.getBoundingClientRect();
    };
    const listed = [];  // [element, text]: an element inside or around a listed one, with the same text, is the same offender
    const add = (e, why, box, content) => {
        const t = text(e);
        if (listed.some(([o, ot]) => ot === t && (o.contains(e) || e.contains(o)))) return;
        listed.push([e, t]);
        out.push({path: path(e), text: t, why, box: Math.round(box), content: Math.round(content)});
    };

    // KaTeX's MathML copy is for screen readers (clipped to 1 px): it is not drawn, so it is not measured
    const mathml = [...document.querySelectorAll('.katex-mathml')];
    mathml.forEach(m => { m.dataset.kdvizDisplay = m.style.display; m.style.display = 'none'; });
    const candidates = new Set(document.querySelectorAll(selectors));
    for (const e of document.querySelectorAll('[data-testid="stApp"] *')) {  // anything drawn with an ellipsis
        if (e.children.length <= 3 && getComputedStyle(e).textOverflow === 'ellipsis') candidates.add(e);
    }
    const flagged = new Set();
    for (const e of candidates) {
        if (!shown(e)) continue;
        const cs = getComputedStyle(e);
        if (cs.display !== 'inline' && e.clientWidth > 0 && e.tagName !== 'IFRAME') {
            // an ellipsis hides the cut from scrollWidth: measure the text laid out without it
            const ellipsis = cs.textOverflow === 'ellipsis' && cs.overflowX !== 'visible';
            let sw = e.scrollWidth, cw = e.clientWidth;
            if (ellipsis) {  // sub-pixel: 0.4 px too wide already shows "…"; measure a hidden copy at its natural width
                const copy = e.cloneNode(true);
                copy.style.cssText = 'position:absolute;visibility:hidden;left:0;top:0;width:max-content;max-width:none;overflow:visible;text-overflow:clip';
                e.parentElement.appendChild(copy);
                const copyStyle = getComputedStyle(copy);  // content width, like cw below: without padding and border
                sw = copy.getBoundingClientRect().width - parseFloat(copyStyle.paddingLeft) - parseFloat(copyStyle.paddingRight)
                     - parseFloat(copyStyle.borderLeftWidth) - parseFloat(copyStyle.borderRightWidth);
                copy.remove();
                const b = e.getBoundingClientRect();
                cw = b.width - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - parseFloat(cs.borderLeftWidth) - parseFloat(cs.borderRightWidth);
            }
            if (ellipsis ? sw > cw + 0.25 : sw > cw + 1) {
                add(e, ellipsis ? 'cut with an ellipsis' : 'content wider than its box', cw, sw);
                flagged.add(e);
                continue;
            }
            if (['hidden', 'clip'].includes(cs.overflowY) && e.scrollHeight > e.clientHeight + VSLACK) {
                add(e, `cut at the bottom (height ${e.clientHeight} px, content ${e.scrollHeight} px)`, cw, sw);
                flagged.add(e);
                continue;
            }
        }
        if (e.tagName === 'IFRAME') {  // a component: its document must fit its frame
            try {
                const d = e.contentDocument && e.contentDocument.documentElement;
                if (d && d.scrollWidth > e.clientWidth + 1) { add(e, 'component wider than its frame', e.clientWidth, d.scrollWidth); flagged.add(e); continue; }
            } catch (err) { /* another origin: only its box is checked */ }
        }
        const r = extent(e);
        let sideways = false;  // inside a box that scrolls sideways: out of the window is only scrolled out of view
        for (let a = e.parentElement; a && a !== document.documentElement; a = a.parentElement) {
            const as = getComputedStyle(a);
            if (['auto', 'scroll'].includes(as.overflowX) && a.scrollWidth > a.clientWidth + 1) sideways = true;
            const scrolls = ['auto', 'scroll'].includes(as.overflowY) || ['auto', 'scroll'].includes(as.overflowX);
            const c = a.getBoundingClientRect();
            const left = c.left + a.clientLeft, right = left + a.clientWidth;
            const top = c.top + a.clientTop, bottom = top + a.clientHeight;
            // a box that hides overflow cuts; one that scrolls sideways (Streamlit's tab bar, a wide code block)
            // only moves text out of view, and the element's own check above catches a box that must scroll
            if (['hidden', 'clip'].includes(as.overflowX) && (r.right > right + 1 || r.left < left - 1)) {
                add(e, `cut by ${path(a) || a.tagName.toLowerCase()} (overflow ${as.overflowX})`,
                    a.clientWidth, Math.max(r.right, right) - Math.min(r.left, left));
                flagged.add(e);
                break;
            }
            if (['hidden', 'clip'].includes(as.overflowY) && (r.bottom > bottom + VSLACK || r.top < top - VSLACK)) {
                add(e, `cut at the top or bottom by ${path(a) || a.tagName.toLowerCase()} (text y ${Math.round(r.top - top)}..${Math.round(r.bottom - top)}, box height ${a.clientHeight})`,
                    a.clientWidth, Math.round(r.width));
                flagged.add(e);
                break;
            }
            if (scrolls) break;  // beyond a scrolling box (stMain) the reader scrolls down to it: not cut
        }
        if (!flagged.has(e) && !sideways && (r.right > innerW + 1 || r.left < -1) && !(sidebar && sidebar.contains(e))) {
            add(e, 'outside the window', innerW, Math.max(r.right, innerW) - Math.min(r.left, 0));
            flagged.add(e);
        }
    }
    // plotly: every title, axis title, tick label, legend entry and annotation inside its figure
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
        if (!shown(plot)) continue;
        const box = plot.querySelector('.svg-container') || plot;
        const b = box.getBoundingClientRect();
        for (const t of plot.querySelectorAll('svg.main-svg text')) {
            if (!t.textContent.trim() || t.closest('.hoverlayer, .modebar-container')) continue;
            const r = t.getBoundingClientRect();
            if (r.width === 0) continue;
            if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) {
                const cls = (t.getAttribute('class') || 'text').split(' ')[0];
                out.push({path: path(plot) + ` > svg text.${cls}`, text: t.textContent.trim().slice(0, 80),
                          why: `outside its figure (text x ${Math.round(r.left - b.left)}..${Math.round(r.right - b.left)}, y ${Math.round(r.top - b.top)}..${Math.round(r.bottom - b.top)}; figure ${Math.round(b.width)}×${Math.round(b.height)})`,
                          box: Math.round(b.width), content: Math.round(Math.max(r.right, b.right) - Math.min(r.left, b.left))});
            }
        }
    }
    // st.dataframe (glide-data-grid draws on a canvas): the columns must fit without a horizontal scroll
    for (const df of document.querySelectorAll('[data-testid="stDataFrame"]')) {
        if (!shown(df)) continue;
        const scroller = df.querySelector('.dvn-scroller');
        if (!scroller) continue;
        const inner = scroller.querySelector('.dvn-stack > div[style*="width"]');
        const columns = inner ? parseFloat(inner.style.width) : scroller.scrollWidth;
        if (scroller.scrollWidth > scroller.clientWidth + 1 || columns > scroller.clientWidth + 1) {
            out.push({path: path(df), text: '(table) ' + text(df).slice(0, 60), why: 'columns wider than the table: it scrolls sideways and cuts columns',
                      box: scroller.clientWidth, content: Math.max(scroller.scrollWidth, columns)});
        }
    }
    // the page itself
    const doc = document.scrollingElement;
    if (doc.scrollWidth > innerW + 1) out.push({path: 'document', text: '', why: 'page wider than the window', box: innerW, content: doc.scrollWidth});
    const main = document.querySelector('[data-testid="stMain"]');
    if (main && main.scrollWidth > main.clientWidth + 1) out.push({path: 'stMain', text: '', why: 'main area scrolls sideways', box: main.clientWidth, content: main.scrollWidth});
    mathml.forEach(m => { m.style.display = m.dataset.kdvizDisplay; delete m.dataset.kdvizDisplay; });
    // one line per offender: drop an element whose container (with the same text) is already listed
    const seen = new Set();
    return out.filter((o, i) => {
        const k = o.path + '|' + o.text;
        if (seen.has(k)) return false;
        seen.add(k);
        return !out.some((p, j) => j !== i && p.text === o.text && o.path.startsWith(p.path + ' > '));
    });
}"""

COLOUR_BARS = r"""() => {
    const out = [];
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
        const title = ((plot.layout && plot.layout.title && plot.layout.title.text) || '').replace(/<[^>]+>/g, '').slice(0, 60);
        const bars = [];
        for (const fill of plot.querySelectorAll('rect.cbfill')) {
            const m = (fill.getAttribute('style') || '').match(/url\(["']?#([^"')]+)/) || (fill.getAttribute('fill') || '').match(/url\(["']?#([^"')]+)/);
            const g = m && plot.querySelector(`linearGradient[id="${m[1]}"]`);
            if (!g) { bars.push({error: 'colour bar without a gradient'}); continue; }
            const num = k => parseFloat(g.getAttribute(k) || '0');
            bars.push({x1: num('x1'), y1: num('y1'), x2: num('x2'), y2: num('y2'),
                       stops: [...g.querySelectorAll('stop')].map(s => [parseFloat(s.getAttribute('offset')) / 100, s.getAttribute('stop-color')])});
        }
        const heatmaps = (plot._fullData || []).filter(t => ['heatmap', 'contour', 'heatmapgl'].includes(t.type))
            .map(t => ({name: t.name || '', showscale: !!t.showscale, colorscale: t.colorscale || []}));
        out.push({title, bars, heatmaps});
    }
    for (const view of document.querySelectorAll('[data-kdviz-view]')) {  // the live views' SVG heatmaps (kdviz/viz/live)
        const fills = [...view.querySelectorAll('rect.kdl-colourbar')];
        if (!fills.length) continue;
        const bars = fills.map(fill => {
            const m = (fill.getAttribute('fill') || '').match(/url\(["']?#([^"')]+)/);
            const g = m && view.querySelector(`linearGradient[id="${m[1]}"]`);
            if (!g) return {error: 'colour bar without a gradient'};
            const num = k => parseFloat(g.getAttribute(k) || '0');
            return {x1: num('x1'), y1: num('y1'), x2: num('x2'), y2: num('y2'),
                    stops: [...g.querySelectorAll('stop')].map(s => [parseFloat(s.getAttribute('offset')) / 100, s.getAttribute('stop-color')])};
        });
        out.push({title: 'live view ' + view.dataset.kdvizView, live: true, bars, heatmaps: []});
    }
    return out;
}"""

CHART_TEXT = r"""() => {
    // every plotly chart on the page: pieces of text that overlap each other, that stick out of the figure, or
    // that a line (a trace, a reference line, an error bar) crosses; rotated text is measured as drawn (its corners)
    const out = [];
    const corners = el => {  // the drawn quadrilateral of an SVG text, in page pixels
        const b = el.getBBox(), m = el.getScreenCTM();
        return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
            .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
    };
    const apart = (p, q) => {  // separating axis test of two convex quadrilaterals, with 1 px of slack
        for (const poly of [p, q]) for (let i = 0; i < 4; i++) {
            const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) % 4];
            const nx = y1 - y2, ny = x2 - x1, len = Math.hypot(nx, ny) || 1;
            const proj = s => s.map(([x, y]) => (x * nx + y * ny) / len);
            const a = proj(p), b = proj(q);
            if (Math.max(...a) <= Math.min(...b) + 1 || Math.max(...b) <= Math.min(...a) + 1) return true;
        }
        return false;
    };
    const inside = (poly, x, y, pad) => {  // a point inside the quadrilateral shrunk by pad px
        const cx = poly.reduce((s, p) => s + p[0], 0) / 4, cy = poly.reduce((s, p) => s + p[1], 0) / 4;
        for (let i = 0; i < 4; i++) {
            const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) % 4];
            const side = (px, py) => (x2 - x1) * (py - y1) - (y2 - y1) * (px - x1);
            const len = Math.hypot(x2 - x1, y2 - y1) || 1;
            if (side(x, y) * Math.sign(side(cx, cy)) < pad * len) return false;
        }
        return true;
    };
    document.querySelectorAll('.js-plotly-plot').forEach((plot, n) => {
        const fb = (plot.querySelector('.svg-container') || plot).getBoundingClientRect();
        if (fb.width === 0) return;
        const title = ((plot.layout && plot.layout.title && plot.layout.title.text) || `chart ${n + 1}`).replace(/<[^>]+>/g, '').slice(0, 40);
        const texts = [];
        for (const t of plot.querySelectorAll('svg.main-svg text')) {
            if (!t.textContent.trim() || t.closest('.hoverlayer, .modebar-container')) continue;
            const lines = t.querySelectorAll('tspan.line');  // a multi-line label: each line on its own
            for (const el of (lines.length ? [...lines] : [t])) {
                if (!el.textContent.trim() || el.getBBox().width === 0) continue;
                texts.push({el, poly: corners(el), text: el.textContent.trim().slice(0, 50), cls: (t.getAttribute('class') || 'text').split(' ')[0], parent: t});
            }
        }
        const where = `${title}`;
        for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
            if (texts[i].parent === texts[j].parent) continue;  // two lines of one label
            if (!apart(texts[i].poly, texts[j].poly)) out.push(`${where}: "${texts[i].text}" (${texts[i].cls}) overlaps "${texts[j].text}" (${texts[j].cls})`);
        }
        for (const x of texts) {
            const xs = x.poly.map(p => p[0]), ys = x.poly.map(p => p[1]);
            if (Math.min(...xs) < fb.left - 1 || Math.max(...xs) > fb.right + 1 || Math.min(...ys) < fb.top - 1 || Math.max(...ys) > fb.bottom + 1)
                out.push(`${where}: "${x.text}" (${x.cls}) outside its figure`);
        }
        const lines = [...plot.querySelectorAll('.scatterlayer path.js-line, .shapelayer path, .errorbar path')].filter(p => !p.closest('.legend'));
        for (const x of texts) {
            if (x.cls.startsWith('legend')) continue;
            for (const ln of lines) {
                let L = 0;
                try { L = ln.getTotalLength(); } catch (e) { continue; }
                if (!L || getComputedStyle(ln).strokeOpacity === '0' || getComputedStyle(ln).stroke === 'none') continue;
                const m = ln.getScreenCTM();
                let hit = false;
                for (let k = 0; k <= 400 && !hit; k++) {
                    const p = ln.getPointAtLength(L * k / 400);
                    hit = inside(x.poly, m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f, 1.5);
                }
                if (hit) {
                    const what = ln.closest('.shapelayer') ? 'a reference line' : ln.closest('.errorbar') ? 'an error bar' : 'a curve';
                    out.push(`${where}: "${x.text}" (${x.cls}) drawn over ${what}`);
                    break;
                }
            }
        }
    });
    return out;
}"""  # one line per problem of the plotly text on the page (empty: every piece apart, inside, and off the lines)


def _rgb(colour: str) -> tuple[float, float, float]:
    """'rgb(r, g, b)', 'rgba(...)' or '#rrggbb' → (r, g, b) in 0..255."""
    colour = colour.strip()
    if colour.startswith("#"):
        h = colour[1:]
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))
    nums = re.findall(r"[\d.]+", colour)
    return tuple(float(x) for x in nums[:3])


def lightness(colour: str) -> float:
    """CIE L* (0 black … 100 white) of an sRGB colour."""
    lin = [c / 255 for c in _rgb(colour)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in lin]
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def bar_problem(bar: dict, tolerance: float = 1.0) -> str | None:
    """Why a colour bar (read by ``COLOUR_BARS``) is not dark-at-max and monotonic in L*, or None.

    Plotly's gradient runs from offset 0 at (x1, y1) to 1 at (x2, y2); a vertical bar has its
    maximum at the top (smaller y), a horizontal one at the right.
    """
    if "error" in bar:
        return bar["error"]
    stops = sorted(bar["stops"])
    if len(stops) < 2:
        return "colour bar with fewer than two colours"
    dx, dy = bar["x2"] - bar["x1"], bar["y2"] - bar["y1"]
    towards_max = dy < 0 if abs(dy) >= abs(dx) else dx > 0
    if not towards_max:
        stops = [(1 - o, c) for o, c in reversed(stops)]
    ls = [lightness(c) for _, c in stops]  # from the minimum to the maximum
    described = ", ".join(f"{c} (L* {l:.0f})" for (_, c), l in zip(stops, ls))
    rises = [(a, b) for a, b in zip(ls, ls[1:]) if b > a + tolerance]
    if rises or ls[-1] > min(ls) + tolerance:
        return f"lightness from min to max is not falling to the darkest at the max: {described}"
    return None


def colour_bar_problems(plots: list[dict]) -> list[str]:
    """One line per heatmap whose colour bar is missing, not monotonic in lightness, or not darkest at the maximum.

    A heatmap without a colour bar is allowed only for an image in grey (the digit image).
    """
    problems = []
    for i, plot in enumerate(plots):
        where = f"chart {i + 1} {plot['title']!r}"
        for bar in plot["bars"]:
            why = bar_problem(bar)
            if why:
                problems.append(f"{where}: {why}")
        scaled = [h for h in plot["heatmaps"] if h["showscale"]]
        if scaled and not plot["bars"]:
            problems.append(f"{where}: a heatmap with showscale but no colour bar drawn")
        for h in plot["heatmaps"]:
            grey = all(len(set(_rgb(c)[:3])) == 1 for _, c in h["colorscale"]) if h["colorscale"] else False
            if not h["showscale"] and not grey:
                problems.append(f"{where}: heatmap {h['name']!r} has no colour bar (only a grey image may go without)")
    return problems


_PLOTLY_JS: list[str] = []  # plotly.js from the plotly package, read once


def figure_problems(page, fig, width: int) -> list[str]:
    """``CHART_TEXT`` of one figure drawn alone by plotly.js in ``page`` (a Playwright page), ``width`` px wide, as
    kdviz shows it (``ui.chart``: the title above it as page text, so not drawn here, and no toolbar)."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    if not _PLOTLY_JS:
        _PLOTLY_JS.append(get_plotlyjs())
    shown = fig.to_dict()
    shown["layout"].pop("title", None)
    spec = pio.to_json(shown)
    page.set_content(f"""<html><head><meta charset="utf-8"><style>body {{ margin: 0; }}</style></head>
        <body><div id="chart" style="width: {width}px"></div></body></html>""")
    page.add_script_tag(content=_PLOTLY_JS[0])
    page.evaluate("""async (spec) => { const f = JSON.parse(spec);
        await Plotly.newPlot('chart', f.data, f.layout, {displayModeBar: false, responsive: false}); }""", spec)
    page.evaluate("document.fonts.ready")
    return page.evaluate(CHART_TEXT)


def format_offenders(offenders: list[dict]) -> str:
    return "\n".join(f"  {o['path']}: {o['text']!r}: {o['why']}; box {o['box']} px, content {o['content']} px" for o in offenders)


if __name__ == "__main__":  # python tests/layout_checks.py URL [WIDTHxHEIGHT]
    import sys

    from browser import WATCH_CHANGES, launch, wait_settled
    from playwright.sync_api import sync_playwright

    url = sys.argv[1]
    w, h = map(int, (sys.argv[2] if len(sys.argv) > 2 else "1280x720").split("x"))
    with sync_playwright() as p:
        b = launch(p)
        page = b.new_page(viewport={"width": w, "height": h})
        page.add_init_script(f"({WATCH_CHANGES})()")
        page.goto(url)
        wait_settled(page)
        print(format_offenders(page.evaluate(TRUNCATED, TEXT_SELECTORS)) or "no truncated text")
        print("\n".join(colour_bar_problems(page.evaluate(COLOUR_BARS))) or "colour bars fine")
        b.close()
