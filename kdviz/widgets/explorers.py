"""The Temperature and Losses pages' views in Jupyter: the pages' own live views (:mod:`kdviz.viz.live`), in one
:class:`kdviz.widgets.live.LiveView` each, beside the kernel's controls for what T and γ do not change."""

from __future__ import annotations

import ipywidgets as W
import torch

from kdviz.base.i18n import tr
from kdviz.data import datasets
from kdviz.maths import explore
from kdviz.train import reference
from kdviz.train.resources import Resources
from kdviz.viz import live, plots
from kdviz.widgets.common import (
    GAMMA_DEFAULT,
    STUDENT_KEYS,
    STUDENTS,
    T_DEFAULT,
    check_digit,
    check_gamma,
    check_lang,
    check_T,
    class_names,
    narrow,
    note,
)
from kdviz.widgets.live import LiveView, slider_view, words

__all__ = ["TemperatureExplorer", "LossExplorer", "temperature_explorer", "loss_explorer"]

TEMP_AXES = ("plots.digit", "plots.probability", "plots.T_log_axis", "plots.entropy", "plots.entropy_axis", "plots.entropy_title",
             "plots.uniform", "plots.dk_x", "plots.true_digit", "plots.dk_hover", "plots.logit")  # as pages/1_Temperature.py
LOSS_AXES = ("plots.T_log_axis", "plots.loss_axis", "plots.loss_title", "plots.soft_formula", "plots.hard_formula",
             "plots.total_formula", "plots.gamma_axis", "plots.heatmap_title", "plots.total", "plots.hard", "plots.grad_title",
             "plots.grad_axis", "plots.grad_soft_T2", "plots.grad_soft_plain")  # as pages/2_Losses.py


class _Explorer(W.VBox):
    """What both explorers share: ``view`` (the :class:`LiveView`), and ``T`` / ``gamma`` read and set through it."""

    view: LiveView

    @property
    def T(self) -> float:
        """The temperature the views show (set by a slider's release, or here: the views redraw at it)."""
        return float(self.view.T)

    @T.setter
    def T(self, value: float) -> None:
        self.view.T = check_T(value)


class TemperatureExplorer(_Explorer):
    """T and a test image drive the teacher's softmax at T = 1 and at T, the top probabilities and the entropy,
    the entropy curve with T marked, and the dark-knowledge map with its most alike pairs (the Temperature page's
    live views, drawn in the browser while T is dragged).

    Attributes: ``view``, the live views (:class:`LiveView`: ``view.views`` is their data); ``T`` (a float, read
    and set); the kernel's controls ``image_class``, ``digit`` and ``log_scale``; ``explain``, the page's sentence
    on this image.
    """

    def __init__(self, res: Resources, *, T: float = T_DEFAULT, digit: int | None = None, lang: str = "en"):
        self.res, self.lang = res, check_lang(lang)
        self.names = class_names(res, lang)
        self.digits = datasets.is_digits(res.dataset)
        labels = [str(c) for c in range(10)] if self.names is None else list(self.names)
        start = check_digit(digit, res)
        self.image_class = W.Dropdown(options=[(name, c) for c, name in enumerate(labels)], value=int(res.data.y_test[start]),
                                      description=tr("temp.class", lang), layout=narrow())
        self.digit = W.BoundedIntText(value=start, min=0, max=len(res.data.y_test) - 1,
                                      description=tr(self._w("temp.test_digit"), lang), style={"description_width": "initial"},
                                      layout=narrow())
        self.log_scale = W.Checkbox(value=False, description=tr("temp.log_scale", lang), indent=False)
        teacher = {"logits": live.b64f32(res.logits.test), "labels": live.b64u8(res.data.y_test), "n": len(res.data.y_test)}
        self.view = LiveView(T=check_T(T), common={**teacher, **self._classes()}, views=self._views())
        self.explain = note(self._explain_text())
        self.digit.observe(self._on_digit, names="value")
        self.image_class.observe(self._on_class, names="value")
        self.log_scale.observe(lambda _: self._redraw(), names="value")
        super().__init__([
            self.explain,
            W.HBox([self.image_class, self.digit, self.log_scale], layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.view,
        ])

    @property
    def z(self) -> torch.Tensor:
        """(10,) the teacher's logits for the chosen test image."""
        return self.res.logits.test[int(self.digit.value)]

    def _w(self, key: str) -> str:
        """``key``'s words for this data set's images (``…_img`` unless digits)."""
        found = words(key, self.digits)
        return found if isinstance(found, str) else found[1]

    def _classes(self) -> dict:
        return {} if self.names is None else {"classes": list(self.names)}

    def _views(self) -> list[dict]:
        """The page's live views for the chosen image (``common`` carries the teacher's test logits and labels)."""
        idx, lang = int(self.digit.value), self.lang
        z = live.b64f32(self.z)
        label = int(self.res.data.y_test[idx])
        names = self.names if self.names is not None else [str(c) for c in range(10)]

        def view(name, keys=(), **fields):
            return live.view(name, lang=lang, T=1.0, keys=tuple(words(k, self.digits) for k in keys), **fields)

        return [
            view("digit_image", image=live.b64u8(self.res.data.images_test[idx]),
                 caption=tr(self._w("temp.digit_caption"), lang, idx=idx, label=names[label])),
            slider_view(("T",), lang=lang),
            view("softmax", ("temp.softmax_title", *TEMP_AXES), z=z, idx=idx, log_y=bool(self.log_scale.value)),
            view("temp_numbers", ("temp.top_p", "temp.runner_up", "temp.runner_up_p", "temp.entropy", "temp.entropy_value",
                                  "temp.entropy_delta"), z=z),
            view("entropy", TEMP_AXES, z=z),
            view("map_text", ("temp.map_explain", "temp.map_pair", "temp.map_pair_sep", "temp.col_true", "temp.col_like",
                              "temp.col_p")),
            view("map", ("temp.map_title", *TEMP_AXES), hide=True),
        ]

    def _redraw(self) -> None:
        self.view.views = self._views()

    def _explain_text(self) -> str:
        """``temp.explain`` on the chosen image's numbers (its top class at T = 1 and T = 8, as on the page)."""
        names = self.names if self.names is not None else [str(c) for c in range(10)]
        _, fields = explore.story_fields(explore.softening_story(self.z), names)
        return tr(self._w("temp.explain"), self.lang, **fields)

    def _on_digit(self, _change) -> None:
        label = int(self.res.data.y_test[int(self.digit.value)])
        if self.image_class.value != label:
            self.image_class.unobserve(self._on_class, names="value")
            self.image_class.value = label
            self.image_class.observe(self._on_class, names="value")
        self._redraw()
        self.explain.value = note(self._explain_text()).value

    def _on_class(self, change) -> None:
        self.digit.value = int(explore.digits_of_class(self.res.data.y_test, int(change["new"]))[0])


class LossExplorer(_Explorer):
    """T and γ drive the soft, hard and total losses of a student against the teacher (the Losses page's live
    views): the curves over T, the three numbers, the total on the γ × T grid, the gradients' sizes with and
    without T², and the soft loss stacked as T²·TCKD + T²·(1 − p_t)·NCKD.

    Attributes: ``view`` (:class:`LiveView`); ``T`` and ``gamma`` (floats, read and set); the kernel's controls
    ``student`` and ``scope``; ``explain``, the page's text on this student's soft curve.
    """

    def __init__(self, res: Resources, *, T: float = T_DEFAULT, gamma: float = GAMMA_DEFAULT, student: str = "partly trained",
                 scope: str = "all", digit: int | None = None, lang: str = "en", states: reference.StudentStates | None = None):
        self.res, self.lang = res, check_lang(lang)
        if student not in STUDENTS:
            raise ValueError(f"student must be one of {', '.join(STUDENTS)}, got {student!r}")
        if scope not in ("all", "digit"):
            raise ValueError(f"scope must be 'all' or 'digit', got {scope!r}")
        T, gamma = check_T(T), check_gamma(gamma)
        self.digit_index = check_digit(digit, res)
        # one 784-128-10 student at 0, 1 and all epochs (disk-cached: about 2 s the first time on the digits)
        self.states = states or reference.student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
        img = "" if datasets.is_digits(res.dataset) else "_img"
        self.student = W.Dropdown(options=[(tr(STUDENT_KEYS[s], lang), s) for s in STUDENTS], value=student,
                                  description=tr("losses.student", lang), style={"description_width": "initial"}, layout=narrow())
        self.scope = W.Dropdown(options=[(tr("losses.scope_all" + img, lang, n=len(res.data.y_test)), "all"),
                                         (tr("losses.scope_digit" + img, lang) + f" #{self.digit_index}", "digit")],
                                value=scope, description=tr("losses.scope", lang), style={"description_width": "initial"},
                                layout=narrow())
        self.view = LiveView(T=T, gamma=gamma, common=self._logits_fields(), views=self._views())
        self.explain = note(self._explain_text())  # the page's text, on this student's soft curve
        self.student.observe(self._on_change, names="value")
        self.scope.observe(self._on_change, names="value")
        super().__init__([
            self.explain,
            W.HBox([self.student, self.scope], layout=W.Layout(flex_flow="row wrap")),
            self.view,
            note(tr("losses.dk_explain", lang)),
        ])

    @property
    def gamma(self) -> float:
        """The weight γ of the soft loss the views show (set by a slider's release, or here)."""
        return float(self.view.gamma)

    @gamma.setter
    def gamma(self, value: float) -> None:
        self.view.gamma = check_gamma(value)

    def logits(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(student (N, 10), teacher (N, 10), labels (N,)) for the scope: all test images, or the chosen one (N = 1)."""
        s, t, y = self.states.logits[self.student.value], self.res.logits.test, self.res.data.y_test
        if self.scope.value == "digit":
            i = self.digit_index
            return s[i:i + 1], t[i:i + 1], y[i:i + 1]
        return s, t, y

    def _logits_fields(self) -> dict:
        s, t, y = self.logits()
        return {"student": live.b64f32(s), "teacher": live.b64f32(t), "labels": live.b64u8(y.reshape(-1)), "n": int(y.numel())}

    def _views(self) -> list[dict]:
        """The page's live views (``common`` carries the student's and teacher's logits and the labels)."""
        def view(name, keys):
            return live.view(name, lang=self.lang, T=1.0, keys=keys)

        return [
            slider_view(("T", "gamma"), lang=self.lang),
            view("loss_curves", LOSS_AXES),
            view("loss_numbers", ("losses.soft", "losses.hard", "losses.total", "losses.soft_help", "losses.hard_help",
                                  "losses.total_help")),
            view("loss_heat", (*LOSS_AXES, "losses.heat_caption")),
            view("grads", (*LOSS_AXES, "losses.grad_caption", "losses.grad_caption_apart")),
            view("dk_stack", ("plots.T_log_axis", "plots.loss_axis", "losses.dk_title", "losses.dk_caption", "plots.tckd",
                              "plots.nckd")),
        ]

    def _on_change(self, _change) -> None:
        """Another student or scope: new logits for every view, in one message."""
        with self.view.hold_sync():
            self.view.common = self._logits_fields()
        self.explain.value = note(self._explain_text()).value

    def _explain_text(self) -> str:
        """``losses.explain`` on the soft curve of the chosen student and scope (:func:`kdviz.viz.plots.soft_curve_facts`)."""
        curves = explore.loss_curves(*self.logits(), gamma=1.0)  # the soft curve does not depend on γ
        return plots.soft_curve_explain(plots.soft_curve_facts(curves), self.lang)


def temperature_explorer(res: Resources, *, T: float = T_DEFAULT, digit: int | None = None, lang: str = "en") -> TemperatureExplorer:
    """The Temperature page's live views in a notebook: see :class:`TemperatureExplorer`.

    Parameters
    ----------
    res : Resources
        :func:`kdviz.train.resources.load_resources` of a data set (its teacher, test images, class names).
    T : float in [0.5, 20]
        The temperature the view opens at.
    digit : int, optional
        A test image's index; default the data set's most ambiguous image (:func:`kdviz.train.reference.opening_digit`).
    lang : "en" or "zh"
    """
    return TemperatureExplorer(res, T=T, digit=digit, lang=lang)


def loss_explorer(res: Resources, *, T: float = T_DEFAULT, gamma: float = GAMMA_DEFAULT, student: str = "partly trained",
                  scope: str = "all", digit: int | None = None, lang: str = "en") -> LossExplorer:
    """The Losses page's live views in a notebook: see :class:`LossExplorer`.

    Parameters
    ----------
    res : Resources
    T : float in [0.5, 20]; gamma : float in [0, 1]
    student : "untrained", "partly trained" (1 epoch) or "trained"
        The reference 784-128-10 student (T = 4, γ = 0.9, seed 0) at that stage.
    scope : "all" (every test image) or "digit" (the test image ``digit``, default the opening one)
    lang : "en" or "zh"
    """
    return LossExplorer(res, T=T, gamma=gamma, student=student, scope=scope, digit=digit, lang=lang)
