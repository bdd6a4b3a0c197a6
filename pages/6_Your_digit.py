"""Your digit: draw or upload one, and see what the teacher and a student make of it at your T."""

import streamlit as st

import ui
from kdviz import digits, mydigit, plots
from kdviz.runs import model_from_bytes

res = ui.start_page("Your digit")
st.title("Your digit: draw it, or upload it")
if res is None:
    st.stop()

state = st.session_state
MAX_MB = digits.MAX_UPLOAD_BYTES / 2**20

controls, view = st.columns([1, 2], gap="large")
with controls:
    source = st.radio("Input", ["Draw", "Upload a PNG or JPEG"], horizontal=True, key="_mine_source")
    image = None
    try:
        if source == "Draw":
            try:
                from streamlit_drawable_canvas import st_canvas
            except Exception as err:  # the component could not load: uploads still work
                st.info(f"The drawing canvas is not available here ({ui.one_line(err)}); upload an image instead.")
            else:
                st.caption("Draw one digit, large, in the middle. Thick strokes work best.")
                canvas = st_canvas(stroke_width=22, stroke_color="#000000", background_color="#ffffff", height=280, width=280,
                                   drawing_mode="freedraw", return_image_data=True, key="_canvas")
                if canvas.json_data and canvas.json_data.get("objects"):  # something drawn
                    try:
                        drawn = canvas.image_data  # (280, 280, 4) uint8
                    except Exception:  # a damaged image from the browser: one line, not a traceback
                        raise digits.DigitError("the canvas sent an unreadable image; clear it and draw again") from None
                    image = digits.preprocess(digits.from_canvas(drawn))
        else:
            upload = st.file_uploader("An image of one digit", type=["png", "jpg", "jpeg"], key="_upload",
                                      help=f"At most {MAX_MB:.0f} MB and {digits.MAX_PIXELS:,} pixels; a dark digit on light paper "
                                           "or a light one on dark.")
            if upload is not None:
                image = digits.digit_from_upload(upload.getvalue())
    except digits.DigitError as err:  # one line for the learner; the page goes on
        st.warning(str(err))
        image = None
    T = ui.T_slider()
    st.markdown(
        "Your image is prepared the way MNIST was made: cropped to the ink, scaled so its longer side is 20 px, "
        "and centred by mass in 28 × 28. Then both models see it. At a higher T, look at the **second** "
        "and **third** bars: which other digits does your drawing resemble?"
    )

with view:
    if image is None:
        st.info("Draw a digit on the canvas or upload an image: the processed digit and both models' answers appear here.")
    else:
        runs = state.get("runs", [])
        if runs:
            student, student_name = model_from_bytes(runs[-1].weights), f"student (your run {runs[-1].run_id})"
        else:
            student, student_name = ui.reference_students().model, "student (reference, 30 epochs)"
        z_teacher = mydigit.logits_for(res.teacher, res.data, image)  # (10,)
        z_student = mydigit.logits_for(student, res.data, image)
        a, b = st.columns([1, 2])
        a.plotly_chart(plots.digit_figure(image, "28 × 28 input"), key="mine_image",
                       config={"displayModeBar": False})
        with a:
            t_pred, s_pred = int(z_teacher.argmax()), int(z_student.argmax())
            st.metric("Teacher says", str(t_pred))
            st.metric("Student says", str(s_pred))
        b.plotly_chart(plots.compare_figure({"teacher": z_teacher, student_name: z_student}, T,
                                            title=f"Teacher and student at T = {T:g}"), key="mine_probs")
        dmap = mydigit.digit_map(res.logits.test, res.data.y_test, T)
        st.plotly_chart(plots.digit_map_figure(dmap.points, dmap.labels, dmap.place(z_teacher), T), key="mine_map")
        near = mydigit.nearest_test_digits(res.logits.test, z_teacher, T, k=8)
        st.markdown("**The test digits the teacher finds most alike** (closest softened outputs at this T):")
        st.image([255 - res.data.images_test[i] for i in near["index"]], width=80,
                 caption=[f"#{i}, a {int(res.data.y_test[i])}" for i in near["index"]])

ui.end_page()
