"""Your own digit: MNIST-style preprocessing, and a clear one-line refusal of bad input."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from kdviz.base.i18n import MESSAGES
from kdviz.data.digits import DigitError, decode_image, digit_from_upload, from_canvas, preprocess
from kdviz.train.loop import predict_logits


def png_bytes(img: Image.Image, fmt="PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def as_photo(digit: np.ndarray, size=(180, 240), margin=30) -> Image.Image:
    """A test digit drawn dark on light paper, larger and off-centre, as a user's photo would be."""
    ink = Image.fromarray(digit).resize(size, Image.BILINEAR)
    paper = Image.new("L", (size[0] + 2 * margin + 40, size[1] + 2 * margin), 255)
    paper.paste(Image.fromarray(255 - np.asarray(ink)), (margin + 40, margin))
    return paper


def test_round_trip_keeps_the_teachers_answer(res):
    """Test digits, enlarged, inverted and shifted, come back as digits the teacher still reads."""
    idx = np.arange(0, 1000, 20)  # 50 digits, 5 per class
    back = np.stack([digit_from_upload(png_bytes(as_photo(res.data.images_test[i]))) for i in idx])
    pred = predict_logits(res.teacher, res.data.normalise(back)).argmax(1).numpy()
    orig = res.logits.test[idx].argmax(1).numpy()
    assert (pred == orig).mean() >= 0.9
    # MNIST geometry: the ink's box is 20 px on its longer side (± anti-aliasing), centre of mass near (14, 14)
    for d in back:
        ys, xs = np.nonzero(d > 25)
        h, w = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        assert 18 <= max(h, w) <= 21
        m = d.astype(float) / d.sum()
        assert abs((m.sum(1) * np.arange(28)).sum() - 14) < 1 and abs((m.sum(0) * np.arange(28)).sum() - 14) < 1


def test_preprocess_scales_longer_side_to_20():
    ink = np.zeros((100, 60), np.float32)
    ink[10:90, 20:40] = 1.0  # a bar 80 high, 20 wide
    d = preprocess(ink)
    ys, xs = np.nonzero(d > 128)
    assert ys.max() - ys.min() + 1 == 20 and 4 <= xs.max() - xs.min() + 1 <= 6


def test_canvas_light_on_transparent_and_dark_on_white():
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[40:160, 90:110] = (255, 255, 255, 255)  # a white stroke on a transparent canvas
    a = preprocess(from_canvas(rgba))
    opaque = np.full((200, 200, 4), 255, np.uint8)
    opaque[40:160, 90:110, :3] = 0  # a black stroke on an opaque white canvas
    b = preprocess(from_canvas(opaque))
    assert a.shape == (28, 28) and np.abs(a.astype(int) - b.astype(int)).max() <= 2


BAD = {
    "empty file": (b"", "empty"),
    "plain text": (b"hello, this is not an image" * 10, "not a readable"),
    "pdf": (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n" * 20, "not a readable"),
    "too many bytes": (b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10), "limit"),
}


CJK = re.compile(r"[\u4e00-\u9fff]")


def _in_both_languages(err: DigitError) -> None:
    """One English line (``str``), the same through the catalog, and one Chinese line."""
    assert "\n" not in str(err)
    assert err.key in MESSAGES and err.text("en") == str(err) == err.text()
    zh = err.text("zh")
    assert "\n" not in zh and CJK.search(zh) and zh == MESSAGES[err.key]["zh"].format(**err.fields)


@pytest.mark.parametrize("name", list(BAD))
def test_bad_bytes(name):
    data, words = BAD[name]
    with pytest.raises(DigitError, match=words) as info:
        decode_image(data)
    _in_both_languages(info.value)


def _one_line(fn, *args, match=None):
    with pytest.raises(DigitError, match=match) as info:
        fn(*args)
    _in_both_languages(info.value)
    return str(info.value)


def test_english_messages_unchanged():
    """The English one-liners are those the library gave before they came from the catalog."""
    assert _one_line(decode_image, b"") == "the file is empty"
    assert _one_line(decode_image, b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10)) == "the file is 5.2 MB; the limit is 5 MB"
    assert _one_line(decode_image, png_bytes(Image.new("L", (40, 40)), "GIF")) == "a GIF file is not supported; upload a PNG or JPEG"
    assert _one_line(decode_image, png_bytes(Image.new("L", (2, 3)))) == "the image is 2×3 pixels; it needs to be at least 8×8"
    big = png_bytes(Image.new("L", (5000, 5000), 255), optimize=True)
    assert _one_line(decode_image, big) == "the image is 5000×5000 pixels; the limit is 16,777,216 pixels"
    assert _one_line(decode_image, b"hello" * 20) == "the file is not a readable PNG or JPEG image"
    assert _one_line(from_canvas, None) == "the canvas is empty: draw a digit first"
    assert _one_line(from_canvas, np.zeros((3,), np.uint8)) == "the canvas returned no usable image"
    assert _one_line(preprocess, np.zeros((28, 28))) == "no ink found: the image is blank"


def test_a_plain_message_is_kept_in_every_language():
    err = DigitError("already in the reader's language")
    assert err.key is None and str(err) == err.text("zh") == "already in the reader's language"
    with pytest.raises(ValueError):  # still a ValueError
        raise DigitError(key="digits.blank")


def test_huge_dimensions_refused_from_header():
    big = png_bytes(Image.new("L", (5000, 5000), 255), optimize=True)  # small file, 25 Mpx
    assert len(big) < 5 * 1024 * 1024
    _one_line(decode_image, big, match="pixels")


def test_gif_and_bmp_refused():
    _one_line(decode_image, png_bytes(Image.new("L", (40, 40)), "GIF"), match="GIF")
    _one_line(decode_image, png_bytes(Image.new("L", (40, 40)), "BMP"), match="BMP")


def test_animated_png_refused():
    frames = [Image.new("L", (40, 40), c) for c in (0, 255)]
    buf = io.BytesIO()
    frames[0].save(buf, format="PNG", save_all=True, append_images=frames[1:])
    _one_line(decode_image, buf.getvalue(), match="animated")


def test_truncated_png_and_jpeg():
    img = Image.fromarray((np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8))
    for fmt in ("PNG", "JPEG"):
        data = png_bytes(img, fmt)
        _one_line(decode_image, data[: len(data) // 2], match="damaged|not a readable")


def test_tiny_image_refused():
    _one_line(decode_image, png_bytes(Image.new("L", (2, 2))), match="at least")


def test_blank_image_refused():
    _one_line(digit_from_upload, png_bytes(Image.new("L", (64, 64), 255)), match="blank")


def test_empty_canvas_refused():
    _one_line(from_canvas, None, match="empty")
    _one_line(from_canvas, np.zeros((200, 200, 4), np.uint8), match="empty")
    _one_line(from_canvas, np.zeros((3,), np.uint8), match="no usable")


def test_transparent_png_is_paper():
    rgba = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    rgba.paste((0, 0, 0, 255), (40, 10, 60, 90))  # an opaque black bar on transparency
    d = digit_from_upload(png_bytes(rgba))
    assert d.max() > 200 and d[0, 0] == 0


# Uploads read what a person sees (issue 28, item 10): the EXIF orientation, and images deeper than 8 bits.

# EXIF Orientation → how the camera stored the upright picture (PIL's ROTATE_90 turns counter-clockwise)
STORED = {3: Image.ROTATE_180, 6: Image.ROTATE_90, 8: Image.ROTATE_270, 2: Image.FLIP_LEFT_RIGHT, 5: Image.TRANSPOSE}


@pytest.fixture(scope="module")
def seven(res):
    """A test 7 the teacher reads as 7, as a photo (dark on light paper, 280 × 300, not square), 8-bit grayscale."""
    i = next(i for i in range(1000) if res.data.y_test[i] == 7 and res.logits.test[i].argmax() == 7)
    return as_photo(res.data.images_test[i])


def with_orientation(img: Image.Image, orientation: int, fmt: str) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    return png_bytes(img.transpose(STORED[orientation]), fmt, exif=exif.tobytes(), **({"quality": 95} if fmt == "JPEG" else {}))


def reads(res, digit: np.ndarray) -> int:
    return int(predict_logits(res.teacher, res.data.normalise(digit[None])).argmax(1)[0])


@pytest.mark.parametrize("orientation", sorted(STORED))
def test_exif_orientation_is_applied_png(res, seven, orientation):
    upright = digit_from_upload(png_bytes(seven))
    assert reads(res, upright) == 7
    rotated = png_bytes(seven.transpose(STORED[orientation]))
    assert not np.array_equal(digit_from_upload(rotated), upright)  # without the tag the stored picture differs
    tagged = with_orientation(seven, orientation, "PNG")
    np.testing.assert_array_equal(decode_image(tagged), decode_image(png_bytes(seven)))
    np.testing.assert_array_equal(digit_from_upload(tagged), upright)


@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_phone_photo_jpeg_stored_rotated_reads_as_seen(res, seven, orientation):
    data = with_orientation(seven, orientation, "JPEG")
    gray, upright_gray = decode_image(data), decode_image(png_bytes(seven, "JPEG", quality=95))
    assert gray.shape == upright_gray.shape == (seven.height, seven.width)
    assert np.abs(gray - upright_gray).mean() < 0.01  # JPEG's blocks fall elsewhere when rotated: noise only
    got, upright = digit_from_upload(data), digit_from_upload(png_bytes(seven, "JPEG", quality=95))
    assert np.abs(got.astype(int) - upright.astype(int)).mean() < 8  # at most a pixel's shift (untagged: 24 to 47)
    assert reads(res, got) == 7


def test_malformed_exif_keeps_the_pixels(seven):
    data = png_bytes(seven, exif=b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff")  # an IFD that claims 65535 entries
    np.testing.assert_array_equal(digit_from_upload(data), digit_from_upload(png_bytes(seven)))


def test_sixteen_bit_png_is_scaled_not_clipped(res, seven):
    g8 = np.asarray(seven, np.uint16)
    img16 = Image.frombytes("I;16B", seven.size, (g8 * 257).astype(">u2").tobytes())  # 0–255 → 0–65535 exactly
    data = png_bytes(img16)
    assert Image.open(io.BytesIO(data)).mode.startswith("I")  # really stored as 16-bit grayscale
    gray = decode_image(data)
    np.testing.assert_allclose(gray, decode_image(png_bytes(seven)), atol=1e-6)
    assert (gray > 0.99).mean() < 0.95  # paper is white; the ink is not
    d16, d8 = digit_from_upload(data), digit_from_upload(png_bytes(seven))
    assert np.abs(d16.astype(int) - d8.astype(int)).max() <= 1
    assert reads(res, d16) == 7


def test_sixteen_bit_png_is_scaled_by_its_bit_depth(seven):
    """A 16-bit scan using only 0–4095 looks dark in any viewer; it decodes as dark (4095 is 1/16 of white), not clipped."""
    g = (np.asarray(seven, np.float64) / 255 * 4095).round()
    data = png_bytes(Image.frombytes("I;16B", seven.size, g.astype(">u2").tobytes()))
    np.testing.assert_allclose(decode_image(data), g / 65535, atol=1e-6)


@pytest.mark.parametrize("mode", ["LA", "RGB", "RGBA", "P", "CMYK"])
def test_other_modes_read_like_grayscale(res, seven, mode):
    img = seven.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    d8 = digit_from_upload(png_bytes(seven, fmt, **({"quality": 95} if fmt == "JPEG" else {})))
    got = digit_from_upload(png_bytes(img, fmt, **({"quality": 95} if fmt == "JPEG" else {})))
    assert np.abs(got.astype(int) - d8.astype(int)).mean() < 2.0, mode
    assert reads(res, got) == 7
