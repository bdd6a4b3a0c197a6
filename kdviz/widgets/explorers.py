"""The Temperature and Losses pages' views in Jupyter: T (and γ) drive the pages' figures, refilled in place."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from kdviz.base.i18n import tr
from kdviz.data import datasets
from kdviz.maths import explore
from kdviz.maths.darkknowledge import decomposition_curves
from kdviz.train import reference
from kdviz.train.resources import Resources
from kdviz.viz import plots
from kdviz.widgets._common import (
    GAMMA_DEFAULT,
    STUDENT_KEYS,
    STUDENTS,
    T_DEFAULT,
    _apply,
    _check_digit,
    _check_lang,
    _class_names,
    _gamma_slider,
    _md,
    _memo,
    _name_classes,
    _narrow,
    _note,
    _refill,
    _T_slider,
    _widget,
)

__all__ = ["TemperatureExplorer", "LossExplorer", "temperature_explorer", "loss_explorer"]


class TemperatureExplorer(W.VBox):
    """T and a test image drive the teacher's softmax at T = 1 and at T, the entropy curve with T
    marked, and the dark-knowledge map (the Temperature page's views).

    Attributes: the controls ``T`` (slider), ``image_class`` and ``digit``, ``log_scale``; the figures
    ``image``, ``softmax``, ``entropy``, ``dark_map``; ``alike``, the map's five most alike pairs.
    """

    def __init__(self, res: Resources, *, T: float = T_DEFAULT, digit: int | None = None, lang: str = "en"):
        self.res, self.lang = res, _check_lang(lang)
        self.names = _class_names(res, lang)
        labels = [str(c) for c in range(10)] if self.names is None else list(self.names)
        img = "" if self.names is None else "_img"
        start = _check_digit(digit, res)
        self.T = _T_slider(T, lang)
        self.image_class = W.Dropdown(options=[(name, c) for c, name in enumerate(labels)], value=int(res.data.y_test[start]),
                                      description=tr("temp.class", lang), layout=_narrow())
        self.digit = W.BoundedIntText(value=start, min=0, max=len(res.data.y_test) - 1, description=tr("temp.test_digit" + img, lang),
                                      style={"description_width": "initial"}, layout=_narrow())
        self.log_scale = W.Checkbox(value=False, description=tr("temp.log_scale", lang), indent=False)
        self.image = _widget(self._image_figure())
        self.softmax = _widget(self._softmax_figure())
        self.entropy = _widget(self._entropy_figure())
        self.dark_map = _widget(self._map_figure())
        self.alike = W.HTML(self._alike_text())
        self.explain = _note(self._explain_text())  # the page's sentence, filled from this image's softmax
        self.T.observe(self._on_T, names="value")
        self.digit.observe(self._on_digit, names="value")
        self.image_class.observe(self._on_class, names="value")
        self.log_scale.observe(lambda _: _refill(self.softmax, self._softmax_figure()), names="value")
        super().__init__([
            self.explain,
            self.T,
            W.HBox([W.Box([self.image], layout=W.Layout(width="130px")), W.VBox([self.image_class, self.digit, self.log_scale])],
                   layout=W.Layout(align_items="center")),  # the image beside its chooser; the charts take the full width
            self.softmax,
            self.entropy, self.alike, self.dark_map,
        ])

    @property
    def z(self) -> torch.Tensor:
        """(10,) the teacher's logits for the chosen test image."""
        return self.res.logits.test[int(self.digit.value)]

    def _image_figure(self) -> go.Figure:
        fig = plots.digit_figure(self.res.data.images_test[int(self.digit.value)])
        return fig.update_layout(width=120, height=120, title_text="")

    def _softmax_figure(self) -> go.Figure:
        fig = plots.softmax_figure(self.z, float(self.T.value), log_y=bool(self.log_scale.value), lang=self.lang)
        return _name_classes(fig, self.names, self.lang)

    def _entropy_figure(self) -> go.Figure:
        T = float(self.T.value)
        curve = _memo(self, ("entropy", int(self.digit.value)), lambda: explore.entropy_curve(self.z))
        return plots.entropy_figure(curve, T, current=_entropy_at(self.z, T), lang=self.lang)

    def _map_figure(self) -> go.Figure:
        fig = plots.dark_knowledge_figure(self._map(), float(self.T.value), lang=self.lang)
        return _name_classes(fig, self.names, self.lang, y=True)

    def _map(self) -> np.ndarray:
        """(10, 10) the teacher's mean softened probabilities by true class at the chosen T."""
        T = float(self.T.value)
        return _memo(self, ("map", T), lambda: explore.dark_knowledge_map(self.res.logits.test, self.res.data.y_test, T))

    def _explain_text(self) -> str:
        """``temp.explain`` on the chosen image's numbers (its top class at T = 1 and T = 8, as on the page)."""
        names = self.names if self.names is not None else [str(c) for c in range(10)]
        _, fields = explore.story_fields(explore.softening_story(self.z), names)
        return tr("temp.explain" + ("" if self.names is None else "_img"), self.lang, **fields)

    def _alike_text(self) -> str:
        top = explore.top_confusions(self._map(), k=5)
        label = (lambda c: str(c)) if self.names is None else (lambda c: self.names[int(c)])
        pairs = ", ".join(f"{label(true)} → {label(like)} {p:.3f}" for true, like, p in top.itertuples(index=False))
        return _md(tr("widgets.alike", self.lang, T=float(self.T.value), pairs=pairs))

    def _on_T(self, _change) -> None:
        T = float(self.T.value)
        _apply(self.softmax, plots.softmax_update(self.z, T, lang=self.lang))
        _apply(self.entropy, plots.entropy_update(T, _entropy_at(self.z, T)))
        _apply(self.dark_map, plots.dark_knowledge_update(self._map(), T, lang=self.lang))
        self.alike.value = self._alike_text()

    def _on_digit(self, _change) -> None:
        label = int(self.res.data.y_test[int(self.digit.value)])
        if self.image_class.value != label:
            self.image_class.unobserve(self._on_class, names="value")
            self.image_class.value = label
            self.image_class.observe(self._on_class, names="value")
        _refill(self.image, self._image_figure())
        _refill(self.softmax, self._softmax_figure())
        _refill(self.entropy, self._entropy_figure())
        self.explain.value = _note(self._explain_text()).value

    def _on_class(self, change) -> None:
        self.digit.value = int(explore.digits_of_class(self.res.data.y_test, int(change["new"]))[0])


def _entropy_at(z: torch.Tensor, T: float) -> float:
    return float(explore.entropy_curve(z, [T])["entropy_bits"].iloc[0])


class LossExplorer(W.VBox):
    """T and γ drive the soft, hard and total losses of a student against the teacher (the Losses page):
    the curves over T, the total on the γ × T grid, the gradients' sizes with and without T², and the
    soft loss split into TCKD + (1 − p_t)·NCKD.

    Attributes: the controls ``T``, ``gamma``, ``student``, ``scope``; the figures ``curves``, ``grid``,
    ``gradients``, ``decomposition``; ``numbers``, the losses at the chosen T and γ.
    """

    def __init__(self, res: Resources, *, T: float = T_DEFAULT, gamma: float = GAMMA_DEFAULT, student: str = "partly trained",
                 scope: str = "all", digit: int | None = None, lang: str = "en", states: reference.StudentStates | None = None):
        self.res, self.lang = res, _check_lang(lang)
        if student not in STUDENTS:
            raise ValueError(f"student must be one of {', '.join(STUDENTS)}, got {student!r}")
        if scope not in ("all", "digit"):
            raise ValueError(f"scope must be 'all' or 'digit', got {scope!r}")
        self.digit_index = _check_digit(digit, res)
        # one 784-128-10 student at 0, 1 and all epochs (disk-cached: about 2 s the first time on the digits)
        self.states = states or reference.student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
        img = "" if datasets.is_digits(res.dataset) else "_img"
        self.T = _T_slider(T, lang)
        self.gamma = _gamma_slider(gamma, lang)
        self.student = W.Dropdown(options=[(tr(STUDENT_KEYS[s], lang), s) for s in STUDENTS], value=student,
                                  description=tr("losses.student", lang), style={"description_width": "initial"}, layout=_narrow())
        self.scope = W.Dropdown(options=[(tr("losses.scope_all" + img, lang, n=len(res.data.y_test)), "all"),
                                         (tr("losses.scope_digit" + img, lang) + f" #{self.digit_index}", "digit")],
                                value=scope, description=tr("losses.scope", lang), style={"description_width": "initial"},
                                layout=_narrow())
        self.numbers = W.HTML()
        self.curves = _widget(self._curves_figure())
        self.grid = _widget(self._grid_figure())
        self.gradients = _widget(self._gradient_figure())
        self.decomposition = _widget(self._decomposition_figure())
        self._show_numbers()
        self.explain = _note(self._explain_text())  # the page's text, on this student's soft curve
        self.T.observe(self._on_move, names="value")
        self.gamma.observe(self._on_move, names="value")
        self.student.observe(self._on_change, names="value")
        self.scope.observe(self._on_change, names="value")
        super().__init__([
            self.explain,
            self.T, self.gamma, W.HBox([self.student, self.scope], layout=W.Layout(flex_flow="row wrap")),
            self.numbers, self.curves, self.grid, self.gradients,
            _note(tr("losses.dk_explain", lang)), self.decomposition,
        ])

    def _logits(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(student (N, 10), teacher (N, 10), labels (N,)) for the scope: all test images, or the chosen one (N = 1)."""
        s, t, y = self.states.logits[self.student.value], self.res.logits.test, self.res.data.y_test
        if self.scope.value == "digit":
            i = self.digit_index
            return s[i:i + 1], t[i:i + 1], y[i:i + 1]
        return s, t, y

    def _cached(self, what: str, compute):
        """``compute()`` once per student and scope: what depends on neither T nor γ."""
        return _memo(self, (what, self.student.value, self.scope.value), compute)

    def _curves_figure(self) -> go.Figure:
        gamma = float(self.gamma.value)
        return plots.loss_curves_figure(self._curves(), float(self.T.value), gamma, lang=self.lang)

    def _curves(self) -> pd.DataFrame:
        """(K, 4) soft, hard, total over T at the chosen γ (soft and hard computed once per student and scope)."""
        return explore.with_gamma(self._cached("curves", lambda: explore.loss_curves(*self._logits(), gamma=1.0)),
                                  float(self.gamma.value))

    def _grid_figure(self) -> go.Figure:
        grid = self._cached("grid", lambda: explore.loss_grid(*self._logits()))
        return plots.loss_heatmap_figure(grid, explore.T_GRID, explore.GAMMA_GRID, float(self.T.value), float(self.gamma.value),
                                         lang=self.lang)

    def _gradient_figure(self) -> go.Figure:
        grads = self._cached("grads", lambda: explore.soft_gradient_norms(*self._logits()))
        return plots.gradient_figure(grads, float(self.T.value), lang=self.lang)

    def _decomposition_figure(self) -> go.Figure:
        curves = self._cached("decomposition", lambda: decomposition_curves(*self._logits(), t2=True))
        return plots.decomposition_figure(curves, float(self.T.value), lang=self.lang)

    def _show_numbers(self) -> None:
        T, gamma = float(self.T.value), float(self.gamma.value)
        at = explore.loss_curves(*self._logits(), gamma=gamma, temperatures=[T]).iloc[0]
        split = decomposition_curves(*self._logits(), [T], t2=True).iloc[0]
        losses = tr("widgets.losses_at", self.lang, T=T, gamma=gamma, soft=at.soft, hard=at.hard, total=at.total)
        caption = tr("losses.dk_caption", self.lang, T=T, soft=split.kd, tckd=split.tckd, nckd=split.weighted_nckd,
                     pct=100 * split.nckd_share if np.isfinite(split.nckd_share) else 0.0)
        self.numbers.value = f"<div style='max-width:900px'>{_md(losses)}<br>{_md(caption)}</div>"

    def _on_move(self, _change) -> None:
        """T or γ moved: markers and the total curve move; nothing else is drawn again."""
        T, gamma = float(self.T.value), float(self.gamma.value)
        _apply(self.curves, plots.loss_curves_update(self._curves(), T, gamma, lang=self.lang))
        _apply(self.grid, plots.loss_heatmap_update(T, gamma))
        _apply(self.gradients, plots.T_mark_update(T))
        _apply(self.decomposition, plots.T_mark_update(T))
        self._show_numbers()

    def _on_change(self, _change) -> None:
        """Another student or scope: every figure is built again (the curves change)."""
        _refill(self.curves, self._curves_figure())
        _refill(self.grid, self._grid_figure())
        _refill(self.gradients, self._gradient_figure())
        _refill(self.decomposition, self._decomposition_figure())
        self._show_numbers()
        self.explain.value = _note(self._explain_text()).value

    def _explain_text(self) -> str:
        """``losses.explain`` on the soft curve of the chosen student and scope (:func:`kdviz.viz.plots.soft_curve_facts`)."""
        return plots.soft_curve_explain(plots.soft_curve_facts(self._curves()), self.lang)


def temperature_explorer(res: Resources, *, T: float = T_DEFAULT, digit: int | None = None, lang: str = "en") -> TemperatureExplorer:
    """The Temperature page's views, live: see :class:`TemperatureExplorer`.

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
    """The Losses page's views, live: see :class:`LossExplorer`.

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
