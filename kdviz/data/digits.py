"""Your own digit: decode an upload or a canvas safely, and preprocess it the way MNIST was made.

MNIST's recipe (LeCun et al.): white ink on black, the digit's bounding box scaled to fit
a 20×20 box (aspect ratio kept, anti-aliased), then placed in a 28×28 image so that its
centre of mass sits at the centre.

Every problem with the input raises :class:`DigitError` with a one-line message meant
for the learner; nothing here ever shows a traceback. ``str(err)`` is English;
``err.text(lang)`` is the same line in any language of :mod:`kdviz.base.i18n` (its ``digits.``
keys), for the pages to show.
"""

from __future__ import annotations

import io
import warnings

import numpy as np

from kdviz.base.i18n import tr

__all__ = [
    "DigitError",
    "MAX_UPLOAD_BYTES",
    "MAX_PIXELS",
    "decode_image",
    "from_canvas",
    "preprocess",
    "digit_from_upload",
]

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # refuse larger files before decoding anything
MAX_PIXELS = 4096 * 4096  # refuse larger images from the header, before decoding pixels
ALLOWED_FORMATS = {"PNG", "JPEG"}
INK_THRESHOLD = 0.1  # a pixel is ink when brighter than 10% of the brightest pixel


class DigitError(ValueError):
    """The input is not a usable digit image; the message is one line for the learner.

    ``DigitError(key="digits.blank")`` (a key of :data:`kdviz.base.i18n.MESSAGES` and its format
    fields): ``str(err)`` is the English line and ``err.text("zh")`` the Chinese one.
    ``DigitError(message)``: that text in every language.
    """

    def __init__(self, message: str | None = None, *, key: str | None = None, **fields):
        super().__init__(tr(key, "en", **fields) if message is None and key is not None else message)
        self.key, self.fields = key, fields

    def text(self, lang: str = "en") -> str:
        """The one-line message in ``lang`` ("en" or "zh")."""
        return tr(self.key, lang, **self.fields) if self.key is not None else str(self)


def decode_image(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode PNG or JPEG bytes into grayscale, refusing bad input before it costs anything.

    Checks, in order: size in bytes; the header (format PNG/JPEG, pixel count, a single
    frame); then the pixels themselves. The EXIF orientation is applied (a phone photo reads upright); transparent
    pixels count as white paper; 16-bit and other deep modes are scaled by their own depth (:func:`_gray`).

    Returns
    -------
    float32 array of shape (H, W), 0 = black, 1 = white.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise DigitError(key="digits.empty_file")
    if len(data) > max_bytes:
        raise DigitError(key="digits.too_big", mb=len(data) / 1e6, limit=max_bytes / 1e6)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # PIL's "Corrupt EXIF data": the pixels are read as stored
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # reads the header only
            if img.format not in ALLOWED_FORMATS:
                if img.format:
                    raise DigitError(key="digits.format", format=img.format)
                raise DigitError(key="digits.format_unknown")
            w, h = img.size
            if w * h > max_pixels:
                raise DigitError(key="digits.too_many_pixels", w=w, h=h, limit=max_pixels)
            if w < 8 or h < 8:
                raise DigitError(key="digits.too_small", w=w, h=h)
            if getattr(img, "n_frames", 1) > 1 or getattr(img, "is_animated", False):
                raise DigitError(key="digits.animated")
            img.load()  # decodes the pixels: truncated or corrupt data fails here
            try:
                img = ImageOps.exif_transpose(img)  # a phone photo stored rotated: upright, as the person saw it
            except Exception:  # a malformed EXIF block (struct, key or type errors inside PIL): the pixels as stored
                pass
            gray = _gray(img)
    except DigitError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise DigitError(key="digits.unreadable") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise DigitError(key="digits.damaged") from None
    return gray


DEEP_MODES = {"I;16": 65535, "I;16L": 65535, "I;16B": 65535, "I;16N": 65535}  # mode → its white, by bit depth


def _gray(img) -> np.ndarray:
    """A decoded PIL image of any mode → float32 (H, W), 0 = black, 1 = white.

    16-bit grayscale is scaled by its bit depth (65535 is white), 32-bit integer ("I") and float ("F") by
    their own range (0–255, 0–65535, or 0–1 when the values fit, else min to max), never clipped at 255;
    transparent pixels are white paper; CMYK and palettes go through RGB.
    """
    from PIL import Image

    if img.mode in DEEP_MODES or img.mode in ("I", "F"):
        a = np.asarray(img, dtype=np.float64)
        white = DEEP_MODES.get(img.mode) or _white(a, img.mode)
        low = 0.0 if white else float(a.min())
        span = (white or float(a.max())) - low
        return np.clip((a - low) / span, 0, 1).astype(np.float32) if span > 0 else np.zeros(a.shape, np.float32)
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    if img.mode not in ("L", "RGB", "RGBA", "1"):  # CMYK, YCbCr, P, …
        img = img.convert("RGB")
    return np.asarray(img.convert("L"), dtype=np.float32) / 255.0


def _white(a: np.ndarray, mode: str) -> float | None:
    """The white level of a 32-bit "I" or "F" image's values ``a``: the smallest of 1 (float only), 255, 65535
    that holds them all; None (scale min to max) when they are negative or larger."""
    lo, hi = float(a.min()), float(a.max())
    for white in ((1.0,) if mode == "F" else ()) + (255.0, 65535.0):
        if lo >= 0 and hi <= white:
            return white
    return None


def from_canvas(rgba: np.ndarray | None) -> np.ndarray:
    """A drawing canvas's RGBA pixels (H, W, 4), uint8 → ink intensity of shape (H, W) in [0, 1].

    Ink is wherever something was drawn (alpha) times its darkness or brightness against
    the canvas background; either light-on-dark or dark-on-light strokes work.
    """
    if rgba is None:
        raise DigitError(key="digits.canvas_empty")
    a = np.asarray(rgba)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.shape[0] < 8 or a.shape[1] < 8:
        raise DigitError(key="digits.canvas_unusable")
    a = a.astype(np.float32) / (255.0 if a.dtype == np.uint8 else 1.0)
    alpha = a[..., 3] if a.shape[2] == 4 else np.ones(a.shape[:2], np.float32)
    lum = a[..., :3].mean(axis=2)
    if alpha.max() < 1e-3 and lum.max() - lum.min() < 1e-3:
        raise DigitError(key="digits.canvas_empty")
    # a transparent canvas holds strokes in alpha; an opaque one holds them in luminance
    ink = alpha if alpha.min() < 0.99 else _ink_from_gray(lum)
    return ink


def _ink_from_gray(gray: np.ndarray) -> np.ndarray:
    """Grayscale (H, W) in [0, 1] → ink in [0, 1]: inverted when the paper (the border) is light."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return 1.0 - gray if np.median(border) > 0.5 else gray.copy()


def preprocess(ink: np.ndarray) -> np.ndarray:
    """Ink intensity of shape (H, W) in [0, 1] → an MNIST-style digit, uint8 of shape (28, 28).

    Crop to the ink, scale the longer side to 20 px (aspect kept, anti-aliased), and
    centre by mass in a 28×28 black image.
    """
    from PIL import Image

    ink = np.clip(np.asarray(ink, dtype=np.float32), 0.0, 1.0)
    peak = float(ink.max()) if ink.size else 0.0
    if peak < 0.05:
        raise DigitError(key="digits.blank")
    rows = np.flatnonzero((ink > INK_THRESHOLD * peak).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD * peak).any(axis=0))
    box = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] / peak
    h, w = box.shape
    scale = 20.0 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(Image.fromarray((box * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS), np.float32)
    # centre of mass of the scaled digit goes to (14, 14)
    total = small.sum()
    if total <= 0:
        raise DigitError(key="digits.blank")
    cy = (small.sum(axis=1) * np.arange(nh)).sum() / total
    cx = (small.sum(axis=0) * np.arange(nw)).sum() / total
    top = int(np.clip(round(14 - cy), 0, 28 - nh))
    left = int(np.clip(round(14 - cx), 0, 28 - nw))
    out = np.zeros((28, 28), np.float32)
    out[top : top + nh, left : left + nw] = small
    return np.clip(out, 0, 255).astype(np.uint8)


def digit_from_upload(data: bytes) -> np.ndarray:
    """PNG/JPEG bytes → an MNIST-style uint8 digit of shape (28, 28) (dark-on-light photos are inverted)."""
    return preprocess(_ink_from_gray(decode_image(data)))
