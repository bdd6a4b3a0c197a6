"""The defaults of one student run, in one place: :class:`kdviz.train.config.TrainConfig` starts from them and the
link's parameters (:data:`kdviz.serve.urlstate.PARAMS`, the pages' widgets) take their defaults and ranges from them.

Plain values (the divergences' own defaults imported from where they are defined): a newcomer who wants to know
what a press of Train does reads this file.
"""

from kdviz.maths.divergences import DEFAULT_ALPHA, DEFAULT_BETA

__all__ = ["METHODS", "METHOD", "T", "T_RANGE", "GAMMA", "GAMMA_RANGE", "ALPHA", "ALPHA_RANGE", "BETA", "BETA_RANGE",
           "DIVERGENCE", "JSD_BETA", "SKEW_ALPHA", "HIDDEN", "EPOCHS", "LR", "BATCH_SIZE", "SEED", "NUM_THREADS"]

METHODS = ("kd", "dkd")  # the soft term: Hinton et al.'s T²·KL, or decoupled KD (Zhao et al., CVPR 2022)
METHOD = "kd"

T = 4.0  # temperature of the soft term; Hinton et al. used 1–20
T_RANGE = (0.5, 20.0)  # what the link and the sliders accept
GAMMA = 0.9  # weight of the soft term: 0 = plain training, 1 = pure distillation
GAMMA_RANGE = (0.0, 1.0)
ALPHA = 1.0  # DKD's weight of TCKD (target vs the rest)
ALPHA_RANGE = (0.0, 10.0)
BETA = 8.0  # DKD's weight of NCKD (among the non-targets): the paper's CIFAR-100 value
BETA_RANGE = (0.0, 20.0)

DIVERGENCE = "fkl"  # kd's soft term: Hinton's forward KL (kdviz.maths.divergences has the others)
JSD_BETA = DEFAULT_BETA  # generalized JSD's weight: 0.5, the symmetric JSD
SKEW_ALPHA = DEFAULT_ALPHA  # skew KL's α: 0.1, DistiLLM's default

HIDDEN = (128,)  # the student MLP's hidden sizes: 784-128-10
EPOCHS = 30  # full passes over the 4,000 train digits
LR = 1e-3  # Adam's learning rate
BATCH_SIZE = 64  # 63 steps an epoch on 4,000 digits
SEED = 0  # seeds the initialisation and the batch order
NUM_THREADS = 1  # torch threads while training (kdviz.train.loop's docstring says why one)
