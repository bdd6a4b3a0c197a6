"""Temperature: how T softens the teacher's softmax, and the dark knowledge it exposes."""

import numpy as np
import streamlit as st

import ui
from kdviz.data import datasets
from kdviz.maths import darkknowledge, explore
from kdviz.viz import live

res = ui.start_page("nav.temperature", data=datasets.offered())  # MNIST digits or Fashion-MNIST (?data=, the sidebar)
st.title(ui.tr("temp.title"))
if res is None:
    ui.demo_step("temperature")  # the guided demo's bar (ui.DEMO), its sentence without the image's numbers
    st.stop()

data, teacher_logits = res.data, res.logits.test  # (n_test, 10) teacher logits on the test images
state = st.session_state
w, names = ui.words, ui.class_names()  # "digit" or "image" wording; the 10 class names (digits, or clothes)


def pick(digit_class: int | None) -> None:
    """Set the shared digit to a random test digit (of ``digit_class`` if given), seeded by the session."""
    rng = state.setdefault("_digit_rng", np.random.default_rng(int(state["seed"])))
    pool = explore.digits_of_class(data.y_test, digit_class) if digit_class is not None else np.arange(len(data.y_test))
    state["digit"] = int(rng.choice(pool))


def on_class_change() -> None:
    state["digit"] = int(explore.digits_of_class(data.y_test, state["_digit_class"])[0])


state["_digit_class"] = int(data.y_test[int(state["digit"])])  # the class box follows the chosen digit
idx = int(state["digit"])  # the chooser below changes it through callbacks, which run before this script
label, z = int(data.y_test[idx]), teacher_logits[idx]  # z: (10,)
classes = {} if datasets.is_digits(ui.dataset()) else {"classes": names}  # the views name the classes
story_key, story = explore.story_fields(explore.softening_story(z), names)  # what dragging T from 1 to 8 does to this image
ui.demo_step("temperature", text=ui.tr(w(story_key), **story))  # the guided demo's bar (ui.DEMO), on this image's numbers

# Every view that depends on T is a live view (kdviz.viz.live): computed and drawn in the browser while T is dragged;
# the server hears T once, on release (ui.live stores it in the shared state["T"]). Here only what T does not change.
z64 = live.b64f32(z)  # (10,) this digit's logits, a few bytes
AXES = ("plots.digit", "plots.probability", "plots.T_log_axis", "plots.entropy", "plots.entropy_axis", "plots.entropy_title",
        "plots.uniform", "plots.dk_x", "plots.true_digit", "plots.dk_hover", "plots.logit")

# First row: the slider and the chart it changes (on a phone the columns stack: slider, then chart, then the numbers:
# all on the first screen, tests/test_layout.py and tests/test_phone_browser.py).
slider_col, softmax_col = st.columns([1, 2.2], gap="large", vertical_alignment="center")
with slider_col:
    ui.live_slider(key="_live_T", params=("T",))  # a release reruns only it and the link (issue 13)
    st.latex(r"p_i = e^{z_i/T} \,\big/\, \textstyle\sum_j e^{z_j/T}")  # one line, no fraction: fits a narrow column
with softmax_col:
    ui.live("softmax", key="_live_softmax", keys=("temp.softmax_title", *AXES), z=z64, idx=idx,
            log_y=bool(state.get("_softmax_log", False)), **classes)  # the toggle sits under the chart
    st.toggle(ui.tr("temp.log_scale"), key="_softmax_log", help=ui.tr("temp.log_help"))

numbers, entropy_col = st.columns([1, 2.2], gap="large")
with numbers:
    ui.live("temp_numbers", key="_live_numbers", keys=("temp.top_p", "temp.runner_up", "temp.runner_up_p", "temp.entropy",
                                                     "temp.entropy_value", "temp.entropy_delta"), z=z64, **classes)
with entropy_col:
    ui.live("entropy", key="_live_entropy", keys=AXES, z=z64)

st.subheader(ui.tr(w("temp.the_digit")), divider="gray")
chooser, digit_view = st.columns([1, 2.2], gap="large")
with chooser:
    c1, c2 = st.columns(2)
    c1.selectbox(ui.tr("temp.class"), range(10), key="_digit_class", on_change=on_class_change, format_func=names.__getitem__)
    ui.shared_widget(c2.number_input, "digit", ui.tr(w("temp.test_digit")), 0, len(data.y_test) - 1,
                     help=ui.tr(w("temp.test_digit_help"), n=len(data.y_test)))
    st.button(ui.tr(w("temp.same_class")), icon=":material/casino:", on_click=pick, args=(state["_digit_class"],),
              key="_pick_same_class", width="stretch")
    st.button(ui.tr(w("temp.any_digit")), icon=":material/casino:", on_click=pick, args=(None,), key="_pick_any",
              width="stretch")
    ui.live("digit_image", key="_live_digit_image", image=live.b64u8(data.images_test[idx]),
            caption=ui.tr(w("temp.digit_caption"), idx=idx, label=names[label]))
with digit_view:
    ui.live("digit", key="_live_logits", keys=("temp.logits_title", *AXES), z=z64, idx=idx, **classes)
    st.markdown(ui.tr(w("temp.explain"), **story))
    st.markdown(ui.tr(w("temp.look")))

st.subheader(ui.tr("temp.map"), divider="gray")
m1, m2 = st.columns([1, 2.2], gap="large")
teacher = ui.live_teacher()  # (n_test, 10) logits and labels, encoded once per server per data set
with m1:
    ui.live("map_text", key="_live_map_text", keys=("temp.map_explain", "temp.map_pair", "temp.map_pair_sep", "temp.col_true",
                                                   "temp.col_like", "temp.col_p"), **teacher, **classes)  # sentence, top-5 table
    st.toggle(ui.tr("temp.hide_diag"), value=True, key="_map_hide_diag")
with m2:
    ui.live("map", key="_live_map", keys=("temp.map_title", *AXES), hide=bool(state.get("_map_hide_diag", True)), **teacher,
            **classes)

# Where the dark knowledge is in the loss (issue 15): KL = TCKD + (1 − p_t)·NCKD per image (kdviz.maths.darkknowledge, drawn live).
st.subheader(ui.tr("temp.dk_section"), divider="gray")
st.markdown(ui.tr("temp.dk_intro"))
st.latex(r"\mathrm{KL}(p \,\|\, q) = \mathrm{TCKD} + (1 - p_t)\cdot\mathrm{NCKD}")
DK_IMAGES = {"temp.dk_mean": "temp.dk_mean_img", "temp.dk_hist_y": "temp.dk_hist_y_img",  # images, not digits (as ui.words)
             "temp.dk_hist_caption": "temp.dk_hist_caption_img", "temp.dk_share_caption": "temp.dk_share_caption_img"}
dk = {k: k if datasets.is_digits(ui.dataset()) else (k, v) for k, v in DK_IMAGES.items()}  # (key, source) pairs for ui.live


@st.cache_resource(show_spinner=False, max_entries=8)
def partly_trained(dataset: str) -> dict:
    """The Losses page's "partly trained" reference student's test logits (n_test, 10) on ``dataset``, with the
    teacher's and the labels, as the live views take them: encoded once per server, shared by every session."""
    t = ui.live_teacher()  # encoded once per server
    return {"student": live.b64f32(ui.reference_students().logits["partly trained"]), "teacher": t["logits"],
            "labels": t["labels"], "n": t["n"]}


d1, d2 = st.columns(2, gap="large")  # the chosen image (on a phone the columns stack)
with d1:
    ui.live("dk_target", key="_live_dk_target", keys=("temp.dk_target_title", "temp.dk_pt", "temp.dk_weight",
                                                     "temp.dk_target_caption", "plots.T_log_axis", "plots.probability"),
            z=z64, label=label, log_y=bool(state.get("_dk_log", False)), **classes)
    st.toggle(ui.tr("temp.log_scale"), key="_dk_log", help=ui.tr("temp.log_help"))
with d2:
    ui.live("dk_nontarget", key="_live_dk_nontarget", keys=("temp.dk_nontarget_title", "temp.dk_p", "temp.dk_p_hat",
                                                           "temp.dk_nontarget_caption", "plots.digit", "plots.probability"),
            z=z64, label=label, **classes)
d3, d4 = st.columns(2, gap="large")  # all the test images
with d3:
    ui.live("dk_weights", key="_live_dk_weights", keys=(dk["temp.dk_mean"], "temp.dk_mean_delta", "temp.dk_median",
                                                       "temp.dk_median_delta", "temp.dk_hist_title", "temp.dk_hist_title_single",
                                                       "temp.dk_hist_x", dk["temp.dk_hist_y"], dk["temp.dk_hist_caption"]),
            edges=darkknowledge.WEIGHT_BINS, small=darkknowledge.SMALL_WEIGHT, **teacher)
with d4:
    ui.live("dk_share", key="_live_dk_share", keys=("temp.dk_share_label", "temp.dk_share_value", "temp.dk_share_delta",
                                                   "temp.dk_share_title", "temp.dk_share_y", dk["temp.dk_share_caption"],
                                                   "plots.tckd", "plots.nckd", "plots.T_log_axis"), **partly_trained(res.dataset))

ui.end_page(link=False)  # ui.live_slider showed the link
