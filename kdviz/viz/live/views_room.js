// views_room.js: a lecturer's room in the browser (issue 29): the views "room" (the class's status line) and
// "question" (a question card, the class's answers, the reveal; also a learner's solo "Guess first").
//
// One websocket per browser tab (module scope, like KDL: it outlives page changes) to kdviz/serve/roomsocket.py at
// data.room.path, opened by the first room view mounted. What arrives is drawn here with no rerun: the members count,
// the question, the tally, the reveal. A following student's browser takes the lecturer's T and γ into KDL and redraws
// every live view (kdlSchedule); only when the lecturer's page, digit or data set is not this page's (or this page draws
// at T on the server: Your digit) it sends one trigger, "follow", which reruns the script once (ui/room.py applies the
// room's view). The lecturer's browser sends "view" frames while the live slider is dragged (KDL.onInput), ≤ 10/s.
// Every text from the catalog or a link goes in with textContent. Concatenated before views.js (KDL, kdlEl, …).

const KDR = {
  ws: null, key: null, info: null, status: "idle", // "connecting" | "open" | "lost" | "closed"
  members: null, view: null, question: null, tally: null, revealed: null, error: null,
  answers: {}, sent: {}, // qid → this browser's answer; qid → acknowledged by the server
  views: new Set(), trigger: null, followKey: null, followTimer: null, retry: 0, retryTimer: null, pingTimer: null,
  viewSentAt: 0, viewTimer: null, listening: false, followed: 0, viewFrames: 0,
};
const KDR_VIEW_MS = 100; // the lecturer's drag: at most 10 view frames per second
const KDR_FOLLOW_MS = 700; // a follower on a page that draws at T on the server: at most one rerun per this
if (typeof window !== "undefined") window.__kdvizRoom = KDR; // for tests

function kdrSend(message) {
  if (KDR.ws && KDR.ws.readyState === 1) KDR.ws.send(JSON.stringify(message));
}

/** Open (or keep) the socket for the room of ``info`` (ui/room.py's ``room`` field). */
function kdrConnect(info, setTriggerValue) {
  if (!info || !info.code) return;
  KDR.info = info;
  KDR.trigger = setTriggerValue;
  const key = `${info.code}|${info.member}|${info.token || ""}`;
  if (!KDR.listening) {
    KDR.listening = true;
    KDL.onInput.push(kdrLecturerMoved);
  }
  if (KDR.key === key && KDR.ws) return; // open, or closed for good ("closed"), or its retry is on the way ("lost")
  if (KDR.key !== key) Object.assign(KDR, { members: null, view: null, question: null, tally: null, revealed: null, answers: {}, sent: {} });
  if (KDR.ws) {
    KDR.ws.onclose = null;
    KDR.ws.close();
  }
  KDR.key = key;
  KDR.retry = 0;
  kdrOpen();
}

function kdrOpen() {
  clearTimeout(KDR.retryTimer);
  const info = KDR.info;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${info.path}`);
  KDR.ws = ws;
  KDR.status = "connecting";
  ws.onopen = () => {
    const hello = { op: "hello", code: info.code, member: info.member };
    if (info.token) hello.token = info.token;
    ws.send(JSON.stringify(hello));
    clearInterval(KDR.pingTimer);
    KDR.pingTimer = setInterval(() => kdrSend({ op: "ping" }), 25000);
  };
  ws.onmessage = (e) => {
    let m;
    try {
      m = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    if (m && typeof m.op === "string") kdrReceived(m);
  };
  ws.onclose = (e) => {
    if (KDR.ws !== ws) return;
    clearInterval(KDR.pingTimer);
    if (e.code === 4404 || KDR.status === "closed") KDR.status = "closed";
    else {
      KDR.status = "lost"; // try again, 0.5 s, 1 s, 2 s … 10 s
      KDR.retryTimer = setTimeout(kdrOpen, Math.min(10000, 500 * 2 ** KDR.retry++));
    }
    kdrRedraw();
  };
}

function kdrReceived(m) {
  if (m.op === "welcome") {
    const r = m.room || {};
    Object.assign(KDR, { status: "open", retry: 0, error: null, members: r.members, view: r.view, question: r.question,
      revealed: r.revealed });
    KDR.info.role = m.role;
    if (r.view) kdrFollow(r.view);
  } else if (m.op === "view") {
    KDR.view = m.view;
    kdrFollow(m.view);
  } else if (m.op === "members") KDR.members = m.n;
  else if (m.op === "question") Object.assign(KDR, { question: m.question, tally: null, revealed: null });
  else if (m.op === "tally") {
    if (KDR.question && m.qid === KDR.question.qid) KDR.tally = m;
  } else if (m.op === "reveal") KDR.revealed = m;
  else if (m.op === "answered") KDR.sent[m.qid] = true;
  else if (m.op === "closed") KDR.status = "closed";
  else if (m.op === "error") {
    KDR.error = m.key;
    if (m.key === "room.not_found") KDR.status = "closed";
  }
  kdrRedraw();
}

function kdrRedraw() {
  for (const v of [...KDR.views]) {
    if (v.root.isConnected) v.render();
    else KDR.views.delete(v);
  }
}

/** A following student's browser takes the lecturer's view: T and γ here at once, the rest by one rerun. */
function kdrFollow(view) {
  const i = KDR.info;
  if (!i || i.role !== "student" || !i.following || typeof view.T !== "number") return;
  KDL.T = view.T;
  if (typeof view.gamma === "number") KDL.gamma = view.gamma;
  KDL.pending = {};
  KDR.followed += 1;
  kdlSchedule();
  const elsewhere = view.page !== i.page || view.data !== i.data || (view.digit !== null && view.digit !== i.digit);
  const moved = view.T !== i.T || view.gamma !== i.gamma;
  if (!elsewhere && !(i.server_t && moved)) return;
  const key = `${view.page}|${view.data}|${view.digit}` + (i.server_t ? `|${view.T}|${view.gamma}` : "");
  if (key === KDR.followKey) return; // asked for this one already
  clearTimeout(KDR.followTimer);
  const ask = () => {
    KDR.followKey = key;
    if (KDR.trigger) KDR.trigger("follow", { ...view, at: Date.now() });
  };
  if (elsewhere) ask();
  else KDR.followTimer = setTimeout(ask, KDR_FOLLOW_MS); // the last of a drag
}

/** The lecturer dragged a live slider (views.js calls KDL.onInput): the room's T and γ, ≤ 10 frames per second. */
function kdrLecturerMoved() {
  if (!KDR.info || KDR.info.role !== "lecturer" || !KDR.info.token) return;
  const send = () => {
    KDR.viewSentAt = performance.now();
    KDR.viewFrames += 1;
    kdrSend({ op: "view", view: { T: KDL.T, gamma: KDL.gamma === null ? KDR.info.gamma : KDL.gamma } });
  };
  clearTimeout(KDR.viewTimer);
  const wait = KDR.viewSentAt + KDR_VIEW_MS - performance.now();
  if (wait <= 0) send();
  else KDR.viewTimer = setTimeout(send, wait); // the drag's last value always goes out
}

// ---------------------------------------------------------------- drawing

/** A question's fields with each class (a field ``x`` beside ``x_class``) named in this page's language. */
function kdrFields(q, classes) {
  const f = { ...(q.fields || {}) };
  for (const [k, v] of Object.entries(q.fields || {})) if (k.endsWith("_class") && classes[v] !== undefined) f[k.slice(0, -6)] = classes[v];
  return f;
}

function kdrText(tx, key, fields = {}) {
  return key in tx ? kdlFormat(tx[key], fields) : key;
}

/** What an answer or a truth says: a number at the slider's precision, a class's name, a choice's text. */
function kdrValueText(q, value, tx, classes) {
  if (value === undefined || value === null) return "";
  if (q.kind === "number") {
    const step = q.step_size || 0.01, digits = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
    const unit = q.unit ? ` ${kdrText(tx, q.unit)}` : "";
    return Number(value).toFixed(digits) + unit;
  }
  if (q.kind === "class") return classes[Number(value)] ?? String(value);
  return kdrText(tx, String(value));
}

function kdrOptions(q, tx, classes) {
  return (q.choices || []).map((c) => (q.kind === "class" ? classes[Number(c)] ?? String(c) : kdrText(tx, c)));
}

/** The class's answers (``tally``: {n, bins, counts}) as bars; the true value marked after the reveal. */
function kdrHistogram(parent, q, tally, truth, st, tx, classes) {
  const box = kdlEl("div", "kdr-hist", parent, { "data-testid": "kdviz-room-histogram" });
  const counts = (tally && tally.counts) || [], top = Math.max(1, ...counts);
  kdlEl("div", "kdr-hist-title", box).textContent = kdlFormat(tx[truth === undefined ? "room.answers" : "room.class_answers"],
    { n: (tally && tally.n) || 0 });
  if (q.kind === "number") {
    const lo = Number(q.lo), hi = Number(q.hi), cols = kdlEl("div", "kdr-cols", box);
    counts.forEach((c, i) => {
      const col = kdlEl("div", "kdr-col", cols, { title: `${kdrValueText(q, tally.bins[i], tx, classes)} – ${kdrValueText(q, tally.bins[i + 1], tx, classes)}: ${c}` });
      const bar = kdlEl("div", "kdr-col-bar", col);
      bar.style.height = `${(100 * c) / top}%`;
      bar.style.background = st.roles.baseline;
      if (c) kdlEl("span", "kdr-col-n", bar).textContent = String(c);
    });
    if (truth !== undefined && truth !== null && hi > lo) {
      const mark = kdlEl("div", "kdr-truth-line", cols, { "data-testid": "kdviz-room-truth-mark" });
      const pct = (100 * (Math.min(hi, Math.max(lo, Number(truth))) - lo)) / (hi - lo);
      mark.style.left = `${pct}%`;
      mark.style.borderColor = st.roles.distilled;
      const label = kdlEl("span", "kdr-truth-label", mark);
      label.textContent = `${tx["room.truth_mark"]} ${kdrValueText(q, truth, tx, classes)}`;
      label.style.transform = pct < 15 ? "none" : pct > 85 ? "translateX(-100%)" : "translateX(-50%)"; // inside the chart
    }
    const ends = kdlEl("div", "kdr-ends", box);
    for (const x of [lo, (lo + hi) / 2, hi]) kdlEl("span", "", ends).textContent = kdrValueText(q, x, tx, classes);
  } else {
    const names = kdrOptions(q, tx, classes), rows = kdlEl("div", "kdr-rows", box);
    const truthAt = truth === undefined || truth === null ? -1 : q.kind === "class" ? Number(truth) : (q.choices || []).indexOf(truth);
    names.forEach((name, i) => {
      const row = kdlEl("div", "kdr-row", rows);
      kdlEl("span", "kdr-row-name", row).textContent = name + (i === truthAt ? " ✓" : "");
      const track = kdlEl("span", "kdr-row-track", row), bar = kdlEl("span", "kdr-row-bar", track);
      bar.style.width = `${(100 * (counts[i] || 0)) / top}%`;
      bar.style.background = i === truthAt ? st.roles.distilled : st.roles.baseline;
      kdlEl("span", "kdr-row-n", row).textContent = String(counts[i] || 0);
      if (i === truthAt) row.classList.add("kdr-row-truth");
    });
  }
  return box;
}

/** The answer controls: a range input and "Send" for a number, one button per class or choice. */
function kdrPick(v, parent, q, tx, classes, onAnswer, chosen) {
  if (q.kind === "number") {
    const row = kdlEl("div", "kdr-pick", parent);
    const step = q.step_size || 0.01, lo = Number(q.lo), hi = Number(q.hi);
    if (v.pick === undefined || v.pickFor !== q.qid) {
      v.pick = chosen !== undefined ? chosen : lo + Math.round((hi - lo) / 2 / step) * step;
      v.pickFor = q.qid;
    }
    const input = kdlEl("input", "kdl-range", row, { type: "range", min: lo, max: hi, step, "data-testid": "kdviz-room-range",
      "aria-label": kdrText(tx, q.text_key, kdrFields(q, classes)) });
    input.value = v.pick;
    const shown = kdlEl("span", "kdr-pick-value", row);
    shown.textContent = kdrValueText(q, Number(input.value), tx, classes);
    input.addEventListener("input", () => {
      v.pick = Number(input.value);
      shown.textContent = kdrValueText(q, v.pick, tx, classes);
    });
    const send = kdlEl("button", "kdr-button kdr-primary", parent, { type: "button", "data-testid": "kdviz-room-send" });
    send.textContent = tx[v.data.mode === "solo" ? "room.check" : "room.send"];
    send.addEventListener("click", () => onAnswer(Number(input.value)));
    return;
  }
  const grid = kdlEl("div", q.kind === "class" ? "kdr-grid kdr-grid-class" : "kdr-grid", parent);
  kdrOptions(q, tx, classes).forEach((name, i) => {
    const value = q.kind === "class" ? i : q.choices[i];
    const b = kdlEl("button", "kdr-button", grid, { type: "button", "data-testid": "kdviz-room-choice", "data-value": String(value),
      "aria-pressed": String(chosen === value) });
    b.textContent = name;
    b.addEventListener("click", () => onAnswer(value));
  });
}

function kdrTruthText(revealed, q, tx, classes, lang) {
  const t = revealed.truth;
  if (t && typeof t === "object" && t.text) return t.text[lang] || t.text.en || "";
  return `${tx["room.truth"]}: ${kdrValueText(q, t, tx, classes)}`;
}

const kdrTruthValue = (t) => (t && typeof t === "object" && "value" in t ? t.value : t);

/** The question card (students, solo) or the lecturer's panel, rebuilt when what it shows changes. */
function kdrDrawQuestion(v) {
  kdrDrawnAt(v);
  const d = v.data, tx = d.text, st = d.style, classes = kdlClasses(d), solo = d.mode === "solo";
  const lecturer = !solo && d.room && d.room.role === "lecturer";
  let q = solo ? d.question : KDR.question, revealed = null;
  if (!solo && KDR.status !== "open" && !KDR.question) q = d.question; // before the welcome: the server's snapshot
  if (!solo) {
    revealed = KDR.revealed || (q && d.revealed && d.revealed.qid === q.qid ? d.revealed : null);
    if (revealed && q && revealed.qid !== q.qid) revealed = null;
  } else if (v.checked) revealed = { qid: q.qid, truth: d.truth };
  const tally = revealed && revealed.tally ? revealed.tally : KDR.tally;
  const answer = q ? (solo ? v.answer : KDR.answers[q.qid]) : undefined;
  const sig = JSON.stringify([q && q.qid, !!revealed, tally && tally.counts, answer, q && KDR.sent[q.qid], KDR.status, lecturer, v.width]);
  if (sig === v.drawnSig && d === v.drawnData) return false;
  v.drawnData = d;
  v.drawnSig = sig;
  v.root.replaceChildren();
  v.root.setAttribute("data-mode", d.mode);
  v.root.setAttribute("data-qid", q ? q.qid : "");
  v.root.setAttribute("data-revealed", revealed ? "1" : "0");
  v.root.setAttribute("data-n", tally ? tally.n : 0);
  v.root.setAttribute("data-counts", JSON.stringify(tally ? tally.counts : []));
  if (answer !== undefined) v.root.setAttribute("data-answer", JSON.stringify(answer));
  else v.root.removeAttribute("data-answer");
  if (revealed) v.root.setAttribute("data-truth", JSON.stringify(kdrTruthValue(revealed.truth)));
  else v.root.removeAttribute("data-truth");
  if (!q) return true; // nothing asked: the view takes no room
  const card = kdlEl("div", lecturer ? "kdr-card kdr-lecturer" : "kdr-card", v.root, { "data-testid": "kdviz-room-card", role: "group" });
  kdlEl("div", "kdr-prompt", card).textContent = kdrText(tx, q.text_key, kdrFields(q, classes));
  if (revealed) {
    const truth = kdrTruthValue(revealed.truth);
    kdlEl("div", "kdr-truth", card, { "data-testid": "kdviz-room-truth" }).textContent = kdrTruthText(revealed, q, tx, classes, d.lang);
    if (!lecturer) {
      kdlEl("div", "kdr-mine", card).textContent = answer === undefined ? tx["room.no_answer"]
        : kdlFormat(tx["room.your_answer"], { value: kdrValueText(q, answer, tx, classes) });
    }
    if (!solo) kdrHistogram(card, q, tally, truth, st, tx, classes);
    return true;
  }
  if (lecturer) {
    kdrHistogram(card, q, tally, undefined, st, tx, classes);
    return true;
  }
  kdrPick(v, card, q, tx, classes, (value) => {
    if (solo) {
      v.answer = value;
      v.checked = true;
    } else {
      KDR.answers[q.qid] = value;
      KDR.sent[q.qid] = false;
      kdrSend({ op: "answer", qid: q.qid, value });
    }
    v.drawnSig = null;
    v.render();
  }, answer);
  if (!solo && answer !== undefined) {
    kdlEl("div", "kdr-status", card, { "data-testid": "kdviz-room-sent" }).textContent = KDR.sent[q.qid] ? tx["room.sent"] : "…";
  }
  if (!solo && KDR.error === "room.bad_answer") kdlEl("div", "kdr-status", card).textContent = tx["room.bad_answer"];
  return true;
}

/** Nothing here depends on T or γ, but a view says the T and γ of the page like every live view (tests wait on it),
 * also when it does not redraw. */
function kdrDrawnAt(v) {
  v.root.setAttribute("data-T", KDL.T);
  if (KDL.gamma !== null) v.root.setAttribute("data-gamma", KDL.gamma);
}

// The room views' look (kdviz.viz.style's ink, muted and grid colours; × --kdl-scale in presenter mode), added once.
const KDR_CSS = `
.kdr-line { font-size: calc(15px * var(--kdl-scale, 1)); color: #1f2328; font-weight: 600; }
.kdr-card { border: 2px solid #0072b2; border-radius: 10px; padding: 12px 14px; margin: 4px 0 8px 0; background: #fff; }
.kdr-lecturer { border-color: #e5e7eb; }
.kdr-prompt { font-weight: 600; font-size: calc(17px * var(--kdl-scale, 1)); margin: 0 0 10px 0; overflow-wrap: anywhere; }
.kdr-pick { display: flex; align-items: center; gap: 12px; }
.kdr-pick .kdl-range { flex: 1 1 auto; }
.kdr-pick-value { font-weight: 600; min-width: 4.5em; text-align: right; font-variant-numeric: tabular-nums; color: #d55e00; }
.kdr-grid { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0; }
.kdr-grid-class .kdr-button { min-width: 3.2em; }
.kdr-button { font: inherit; font-size: calc(16px * var(--kdl-scale, 1)); min-height: calc(44px * var(--kdl-scale, 1));
  padding: 6px 14px; border-radius: 8px; border: 1px solid #4b5563; background: #fff; color: #1f2328; cursor: pointer; }
.kdr-button[aria-pressed="true"] { background: #0072b2; border-color: #0072b2; color: #fff; }
.kdr-button:focus-visible { outline: 2px solid #0072b2; outline-offset: 2px; }
.kdr-primary { background: #0072b2; border-color: #0072b2; color: #fff; margin-top: 8px; }
.kdr-status { color: #4b5563; margin-top: 8px; font-size: calc(14px * var(--kdl-scale, 1)); }
.kdr-truth { font-size: calc(17px * var(--kdl-scale, 1)); margin: 4px 0 8px 0; padding: 8px 10px; border-left: 4px solid #d55e00;
  background: #fdf3ec; overflow-wrap: anywhere; }
.kdr-mine { margin: 0 0 8px 0; }
.kdr-hist { margin-top: 6px; }
.kdr-hist-title { color: #4b5563; font-size: calc(14px * var(--kdl-scale, 1)); margin-bottom: 4px; }
.kdr-cols { position: relative; display: flex; align-items: flex-end; gap: 2px; height: calc(120px * var(--kdl-scale, 1));
  border-bottom: 1px solid #4b5563; margin-top: calc(36px * var(--kdl-scale, 1)); }
.kdr-col { flex: 1 1 0; height: 100%; display: flex; align-items: flex-end; }
.kdr-col-bar { position: relative; width: 100%; min-height: 0; border-radius: 2px 2px 0 0; }
.kdr-col-n { position: absolute; bottom: 100%; left: 0; right: 0; text-align: center; font-size: calc(13px * var(--kdl-scale, 1));
  color: #1f2328; font-variant-numeric: tabular-nums; }
.kdr-truth-line { position: absolute; top: 0; bottom: 0; border-left: 3px solid; }
.kdr-truth-line { transform: translateX(-1.5px); }
.kdr-truth-label { position: absolute; bottom: 100%; left: -1.5px; transform: translateX(-50%); white-space: nowrap;
  font-size: calc(13px * var(--kdl-scale, 1)); font-weight: 600; color: #1f2328; padding-bottom: 16px; }
.kdr-ends { display: flex; justify-content: space-between; color: #4b5563; font-size: calc(13px * var(--kdl-scale, 1)); }
.kdr-rows { display: grid; gap: 4px; }
.kdr-row { display: grid; grid-template-columns: minmax(3em, max-content) 1fr 2.5em; align-items: center; gap: 8px; }
.kdr-row-name { overflow-wrap: anywhere; }
.kdr-row-truth .kdr-row-name { font-weight: 700; }
.kdr-row-track { height: calc(16px * var(--kdl-scale, 1)); background: #f3f4f6; border-radius: 3px; overflow: hidden; }
.kdr-row-bar { display: block; height: 100%; }
.kdr-row-n { text-align: right; font-variant-numeric: tabular-nums; }
`;
function kdrStyle() {
  if (typeof document === "undefined" || document.getElementById("kdviz-room-css")) return;
  const el = document.createElement("style");
  el.id = "kdviz-room-css";
  el.textContent = KDR_CSS;
  document.head.appendChild(el);
}

const KDL_ROOM_VIEWS = {
  room: {
    build(v) {
      kdrStyle();
      if (KDL.T === null) KDL.T = v.data.room.T; // a page without a live slider still draws its room views
      if (KDL.gamma === null) KDL.gamma = v.data.room.gamma;
    },
    draw(v) {
      kdrDrawnAt(v);
      const d = v.data, tx = d.text, i = d.room;
      KDR.views.add(v);
      kdrConnect(i, v.setTriggerValue);
      const sig = JSON.stringify([KDR.members, KDR.status, i.role, i.following, KDR.question && KDR.question.qid, !!KDR.revealed]);
      if (sig === v.drawnSig && d === v.drawnData) return false;
      v.drawnData = d;
      v.drawnSig = sig;
      v.root.replaceChildren();
      const line = kdlEl("div", "kdr-line", v.root, { "data-testid": "kdviz-room-status" });
      if (KDR.status === "closed") line.textContent = tx["room.closed"];
      else if (KDR.status === "lost") line.textContent = tx["room.lost"];
      else if (KDR.status !== "open") line.textContent = tx["room.connecting"];
      else {
        const where = kdlFormat(tx["room.class"], { code: `${i.code.slice(0, 3)} ${i.code.slice(3)}` });
        line.textContent = `${where} · ${i.role === "lecturer" ? kdlFormat(tx["room.members"], { n: KDR.members || 0 })
          : tx[i.following ? "room.following" : "room.exploring"]}`;
      }
      const asked = KDR.question && !(KDR.revealed && KDR.revealed.qid === KDR.question.qid);
      if (i.role === "student" && KDR.status === "open" && !asked) kdlEl("div", "kdr-status", v.root).textContent = tx["room.waiting"];
      Object.entries({ role: i.role, status: KDR.status, members: KDR.members ?? "", following: i.following ? 1 : 0 })
        .forEach(([k, x]) => v.root.setAttribute(`data-${k}`, x));
      return true;
    },
  },
  question: {
    build(v) {
      kdrStyle();
      if (KDL.T === null) KDL.T = v.data.room.T;
      if (KDL.gamma === null) KDL.gamma = v.data.room.gamma;
    },
    draw(v) {
      if (v.data.mode !== "solo") {
        KDR.views.add(v);
        kdrConnect(v.data.room, v.setTriggerValue);
      }
      return kdrDrawQuestion(v);
    },
  },
};
