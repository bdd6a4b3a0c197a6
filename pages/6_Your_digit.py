"""Your digit: draw or upload one, and see what the teacher and a student make of it at your T."""

import streamlit as st

import ui
from kdviz.data import datasets, digits
from kdviz.lab import mydigit
from kdviz.train.runs import model_from_bytes, runs_on
from kdviz.viz import live, plots

res = ui.start_page("nav.your_digit", data_note="data.digits_only")  # digits, whatever the data set
st.title(ui.tr("mine.title"))
if res is None:
    st.stop()

state = st.session_state
MAX_MB = digits.MAX_UPLOAD_BYTES / 2**20

controls, view = st.columns([1.25, 2], gap="large")  # the 280-px canvas fits beside the sidebar at 1280 px
with controls:
    sources = {"draw": ui.tr("mine.draw"), "upload": ui.tr("mine.upload")}
    source = st.radio(ui.tr("mine.source"), list(sources), horizontal=True, key="_mine_source", format_func=sources.get)
    image = None
    try:
        if source == "draw":
            try:
                from streamlit_drawable_canvas import st_canvas
            except Exception as err:  # the component could not load: uploads still work
                st.info(ui.tr("mine.no_canvas", error=ui.one_line(err)))
            else:
                st.caption(ui.tr("mine.draw_hint"))
                st.space("medium")  # the canvas's toolbar (undo, clear) rises 2.65 rem above it: its own band, not the hint
                canvas = st_canvas(stroke_width=22, stroke_color="#000000", background_color="#ffffff", height=280, width=280,
                                   drawing_mode="freedraw", return_image_data=True, key="_canvas")
                if canvas.json_data and canvas.json_data.get("objects"):  # something drawn
                    try:
                        drawn = canvas.image_data  # (280, 280, 4) uint8
                    except Exception:  # a damaged image from the browser: one line, not a traceback
                        raise digits.DigitError(ui.tr("mine.canvas_bad")) from None
                    image = digits.preprocess(digits.from_canvas(drawn))
        else:
            upload = st.file_uploader(ui.tr("mine.uploader"), type=["png", "jpg", "jpeg"], key="_upload",
                                      help=ui.tr("mine.uploader_help", mb=MAX_MB, pixels=digits.MAX_PIXELS))
            if upload is not None:
                image = digits.digit_from_upload(upload.getvalue())
    except digits.DigitError as err:  # one line for the learner; the page goes on
        st.warning(err.text(ui.lang()))
        image = None
    # The live T slider (kdviz.viz.live): the teacher-and-student chart follows a drag in the browser. Mounted on the
    # page, not in ui.live_slider's fragment: its release reruns the whole page, since the map and the nearest
    # digits below are drawn by the server at T.
    ui.live("slider", key="_live_T", params=("T",))
    T = float(state["T"])

with view:
    if image is None:
        st.info(ui.tr("mine.empty"))
    else:
        runs = runs_on(state.get("runs", []), datasets.DEFAULT)  # students of the digits, not of clothes
        if runs:
            student, student_name = model_from_bytes(runs[-1].weights), ui.tr("mine.student_run", run=runs[-1].run_id)
        else:
            student, student_name = ui.reference_students().model, ui.tr("mine.student_ref")
        z_teacher = mydigit.logits_for(res.teacher, res.data, image)  # (10,)
        z_student = mydigit.logits_for(student, res.data, image)
        b, a = st.columns([2, 1])  # on a phone the columns stack: the softmax the slider changes comes first
        ui.chart(plots.digit_figure(image, ui.tr("mine.input")), key="mine_image", where=a)
        with a:
            t_pred, s_pred = int(z_teacher.argmax()), int(z_student.argmax())
            st.metric(ui.tr("mine.teacher_says"), str(t_pred))
            st.metric(ui.tr("mine.student_says"), str(s_pred))
        with b:  # the softmax of both at T, drawn in the browser while T is dragged
            ui.live("compare", key="_live_compare", keys=("mine.compare", "plots.digit", "plots.probability"),
                    teacher=live.b64f32(z_teacher), student=live.b64f32(z_student), teacher_name=ui.tr("plots.teacher"),
                    student_name=student_name)
        dmap = mydigit.digit_map(res.logits.test, res.data.y_test, T)
        ui.chart(plots.digit_map_figure(dmap.points, dmap.labels, dmap.place(z_teacher), T, lang=ui.lang()), key="mine_map")
        near = mydigit.nearest_test_digits(res.logits.test, z_teacher, T, k=8)
        st.markdown(ui.tr("mine.nearest"))
        st.image([255 - res.data.images_test[i] for i in near["index"]], width=80,
                 caption=[ui.tr("mine.nearest_caption", index=i, label=int(res.data.y_test[i])) for i in near["index"]])

st.markdown(ui.tr("mine.explain"))
ui.end_page()
