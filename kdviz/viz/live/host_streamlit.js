// host_streamlit.js: the entry point in Streamlit (Components v2; ui/live_views.py mounts it, one view per mount).
//
// The mount's data is one view's dict as UTF-8 JSON bytes; the slider's also says which release the server heard
// (kdlHeard, views.js). The release reaches the server as the trigger "release".

export default function (component) {
  const data = kdlData(component.data);
  if (data.view === "slider") kdlHeard(data, component.setTriggerValue);
  return kdlMount(component.parentElement, data, component.setTriggerValue);
}
