"""The distillation lab: four experiments on the kinds and uses of distillation.

Each experiment is a plain function of the loaded :class:`~kdviz.train.resources.Resources` that
returns a pandas DataFrame (one row per run, or per class / per bias), so the app, the CLI
and notebooks share it. Figures are means ± sample std over the seeds asked for
(:func:`kdviz.maths.stats.mean_std`).

* :mod:`.labels`, :func:`fewer_labels`: semi-supervised distillation. A stratified, seeded
  fraction of the train labels is kept; the distilled student gets the hard loss on those
  and the soft loss from the teacher on every image. The baseline trains on the labelled
  digits alone (γ = 0) for as many optimiser steps as the distilled student takes.
* :mod:`.self_distill`, :func:`born_again` and :func:`snapshot_self_distill`:
  self-distillation, a student taught by a trained copy of its own architecture, for k
  generations (Furlanello et al. 2018, "Born-Again Neural Networks"); or, for the last
  epochs of a run, by a snapshot of itself taken earlier (after Yang et al. 2019, "Snapshot Distillation").
* :mod:`.teachers`, :func:`merge_teachers`: teacher A knows digits 0–4, teacher B digits
  5–9; one 10-class student learns from both without labels. The rule: the student's
  target logits are the concatenation ``[A's logits for 0–4, B's logits for 5–9]``.
  Hinton et al. (2015) did not demonstrate this; it is a simple case of knowledge
  amalgamation (Shen et al. 2019), with kdviz's own rule.
* :mod:`.omitted`, :func:`omit_class`: a digit is removed from the transfer set; the
  student still recognises some of it from the teacher's soft targets (Hinton et al. 2015,
  §3), and a bias added to that digit's logit, chosen on held-out TRAIN digits, recovers more.

:mod:`.results` turns each experiment's output into the JSON the CLI prints and ships
(``kdviz/results/``) and back into the DataFrames the Lab page draws. The T × γ sweep is
in :mod:`kdviz.train.sweep`.
"""

from kdviz.lab.labels import fewer_labels, fewer_labels_run, label_mask, matched_epochs
from kdviz.lab.omitted import DEFAULT_BIASES, OMIT_CONFIG, bias_curve, choose_bias, holdout_split, omit_class, omit_class_run
from kdviz.lab.self_distill import ARMS, born_again, snapshot_self_distill
from kdviz.lab.teachers import GROUP_A, GROUP_B, MODELS, concat_logits, merge_teachers, subset_teacher

__all__ = [
    "label_mask",
    "matched_epochs",
    "fewer_labels_run",
    "fewer_labels",
    "ARMS",
    "born_again",
    "snapshot_self_distill",
    "MODELS",
    "subset_teacher",
    "concat_logits",
    "merge_teachers",
    "holdout_split",
    "bias_curve",
    "choose_bias",
    "omit_class_run",
    "omit_class",
    "DEFAULT_BIASES",
    "OMIT_CONFIG",
    "GROUP_A",
    "GROUP_B",
]
