"""kdviz: an interactive visual explorer for knowledge distillation (library part; no Streamlit here)."""

__version__ = "0.4.0"

from kdviz.base.diskcache import cache_dir
from kdviz.data.mnist import MNISTSplit, load_mnist
from kdviz.maths.losses import DistillationLoss, KDDecomposition, decompose_kd, distillation_loss, dkd_loss, soften
from kdviz.train.loop import TeacherLogits, TrainConfig, TrainResult, predict_logits, teacher_logits, train_student
from kdviz.train.modelfile import ModelFileError, load_model, save_model
from kdviz.train.models import StudentMLP, TeacherCNN, architecture, build_model, count_params, describe, size_bytes
from kdviz.train.teacher import TEACHER_PATH, TeacherError, load_teacher, train_teacher

__all__ = [
    "__version__",
    "ModelFileError",
    "load_model",
    "MNISTSplit",
    "cache_dir",
    "load_mnist",
    "DistillationLoss",
    "distillation_loss",
    "KDDecomposition",
    "decompose_kd",
    "dkd_loss",
    "soften",
    "StudentMLP",
    "TeacherCNN",
    "architecture",
    "build_model",
    "count_params",
    "describe",
    "size_bytes",
    "TEACHER_PATH",
    "TeacherError",
    "load_teacher",
    "save_model",
    "train_teacher",
    "TeacherLogits",
    "TrainConfig",
    "TrainResult",
    "predict_logits",
    "teacher_logits",
    "train_student",
]
