// host_anywidget.js: the entry point in Jupyter (anywidget: JupyterLab, Notebook 7, VS Code; kdviz/widgets/live.py).
//
// One widget shows a column of views, the model's "views" (a list of view dicts, the slider first), which share
// T and γ as one page's views do in Streamlit; each view gets the model's "common" fields too (the logits, sent
// once for all). A drag redraws them in the browser (views.js) and sends nothing to the kernel; the release sets
// the model's T (and γ) and saves it: one comm message per release. A T or γ set from Python (a change of the
// model) redraws them too, and new "views" data (another image, student, scope) redraws each in place.

const KDL_MODEL_PARAMS = ["T", "gamma"];

function render({ model, el }) {
  el.classList.add("kdl-host");
  const slots = [], unmounts = [];
  const fromModel = () => {
    for (const name of KDL_MODEL_PARAMS) {
      const x = model.get(name);
      if (typeof x === "number") KDL[name] = x;
    }
  };
  const release = (trigger, payload) => { // the slider's "release": the values to the model, one message
    if (trigger !== "release") return;
    for (const [name, x] of Object.entries(payload.values)) model.set(name, x);
    model.save_changes();
    KDL.pending = {}; // the model has them: nothing waits to be heard
  };
  const mountAll = () => {
    fromModel();
    const views = model.get("views"), common = model.get("common") || {};
    while (slots.length > views.length) {
      unmounts.pop()();
      slots.pop().remove();
    }
    views.forEach((data, i) => {
      if (!slots[i]) slots[i] = kdlEl("div", "kdl-cell", el);
      unmounts[i] = kdlMount(slots[i], { ...common, ...data }, release);
    });
  };
  const onParam = () => {
    fromModel();
    kdlSchedule();
  };
  mountAll();
  for (const name of KDL_MODEL_PARAMS) model.on(`change:${name}`, onParam);
  model.on("change:views", mountAll);
  model.on("change:common", mountAll);
  return () => {
    for (const name of KDL_MODEL_PARAMS) model.off(`change:${name}`, onParam);
    model.off("change:views", mountAll);
    model.off("change:common", mountAll);
    unmounts.forEach((unmount) => unmount());
  };
}

export default { render };
