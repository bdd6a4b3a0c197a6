"""AppTest of pages/6_Your_digit.py: a real digit is read as the library reads it; every bad input is one line.

The bad inputs tried here (uploads through the page's uploader, and links) are the README's list.
"""

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from kdviz.data import digits
from kdviz.lab import mydigit

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Your_digit.py")


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def animated() -> bytes:
    frames = [Image.new("L", (40, 40), c) for c in (0, 255)]
    buf = io.BytesIO()
    frames[0].save(buf, format="PNG", save_all=True, append_images=frames[1:])
    return buf.getvalue()


NOISE = Image.fromarray((np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8))
BAD_UPLOADS = {  # name → (bytes, words the one-line message contains)
    "empty file": (b"", "empty"),
    "text renamed .png": (b"hello, this is not an image" * 10, "not a readable"),
    "PDF renamed .png": (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n" * 20, "not a readable"),
    "over 5 MiB": (b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10), "limit"),
    "25 megapixels in a small file": (encode(Image.new("L", (5000, 5000), 255), optimize=True), "pixels"),
    "GIF renamed .png": (encode(Image.new("L", (40, 40)), "GIF"), "GIF"),
    "BMP renamed .png": (encode(Image.new("L", (40, 40)), "BMP"), "BMP"),
    "animated PNG": (animated(), "animated"),
    "truncated PNG": (encode(NOISE)[:300], "damaged|not a readable"),
    "truncated JPEG": (encode(NOISE, "JPEG")[:400], "damaged|not a readable"),
    "2×2 pixels": (encode(Image.new("L", (2, 2))), "at least"),
    "blank white page": (encode(Image.new("L", (64, 64), 255)), "blank"),
}
BAD_LINKS = {  # query → the parameter named in the one-line message
    "T=-1": "T", "T=nan": "T", "T=1e9": "T", "gamma=abc": "gamma", "gamma=1.5": "gamma",
    "digit=5000": "digit", "digit=3.5": "digit", "seed=-3": "seed", "lang=fr": "lang",
}


def upload_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    at.radio(key="_mine_source").set_value("upload").run()
    assert not at.exception
    return at


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_bad_upload_is_one_line_and_the_page_goes_on(name):
    data, words = BAD_UPLOADS[name]
    at = upload_page()
    at.file_uploader(key="_upload").upload(f"{name}.png", data, "image/png").run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "\n" not in warnings[0], warnings
    import re

    assert re.search(words, warnings[0]), warnings[0]
    assert at.radio(key="_mine_source") and at.info  # the rest of the page is still there
    at.session_state["T"] = 8.0  # what the live T slider's release sets (ui.live_views._live_release)
    at.run()
    assert not at.exception


def test_a_test_digit_photo_is_read_like_the_library(res):
    label = int(res.data.y_test[11])
    photo = Image.fromarray(255 - res.data.images_test[11]).resize((140, 140), Image.BILINEAR)
    data = encode(photo)
    at = upload_page()
    at.file_uploader(key="_upload").upload("mine.png", data, "image/png").run()
    assert not at.exception and not at.warning
    image = digits.digit_from_upload(data)
    z = mydigit.logits_for(res.teacher, res.data, image)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Teacher says"] == str(int(z.argmax())) == str(label)
    assert len(at.get("plotly_chart")) == 2  # the input and the map; the softmax at T is the live "compare" view
    views = {c.key: json.loads(c.proto.bytes) for c in at.get("bidi_component") if c.key in ("_live_T", "_live_compare")}
    assert views["_live_T"]["view"] == "slider" and views["_live_T"]["T"] == at.session_state["T"]
    compare = views["_live_compare"]
    assert compare["view"] == "compare" and compare["teacher_name"] == "teacher"
    shipped = np.frombuffer(base64.b64decode(compare["teacher"]), dtype="<f4")
    assert np.allclose(shipped, z.detach().numpy(), atol=1e-6)  # the teacher's logits of this digit, drawn in the browser


@pytest.mark.parametrize("query", list(BAD_LINKS))
def test_bad_link_parameter_is_one_line(query):
    at = AppTest.from_file(PAGE, default_timeout=60)
    name, value = query.split("=")
    at.query_params[name] = value
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "\n" not in warnings[0] and f"{BAD_LINKS[query]}=" in warnings[0], warnings


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("name", ["empty file", "GIF renamed .png", "25 megapixels in a small file", "blank white page"])
def test_bad_upload_in_chinese_is_one_chinese_line(name):
    data, _ = BAD_UPLOADS[name]
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["lang"] = "zh"
    at.run()
    at.radio(key="_mine_source").set_value("upload").run()
    at.file_uploader(key="_upload").upload(f"{name}.png", data, "image/png").run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "\n" not in warnings[0] and CJK.search(warnings[0]), warnings
    with pytest.raises(digits.DigitError) as info:
        digits.digit_from_upload(data)
    assert warnings[0] == info.value.text("zh") and warnings[0] != str(info.value)


@pytest.mark.parametrize("query", ["T=-1", "gamma=abc", "digit=3.5", "T=inf"])
def test_bad_link_in_chinese_is_one_chinese_line(query):
    at = AppTest.from_file(PAGE, default_timeout=60)
    name, value = query.split("=")
    at.query_params[name] = value
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "\n" not in warnings[0] and CJK.search(warnings[0]) and f"{name}=" in warnings[0], warnings
    assert warnings[0].startswith("链接中的参数已忽略：") and "using the default" not in warnings[0]
