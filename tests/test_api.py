"""The public surface stays honest: __all__ has no duplicates and every name resolves."""

import importlib
import pkgutil

import pytest

import kdviz

# every module of the library, and kdviz itself (a new module is checked without being listed here)
MODULES = sorted({"kdviz"} | {m.name for m in pkgutil.walk_packages(kdviz.__path__, "kdviz.")
                              if not m.ispkg and not m.name.endswith("__main__")})


@pytest.mark.parametrize("name", MODULES)
def test_all_resolves(name):
    mod = importlib.import_module(name)
    assert len(mod.__all__) == len(set(mod.__all__))
    for attr in mod.__all__:
        assert hasattr(mod, attr), f"{name}.{attr}"


def test_library_never_imports_streamlit():
    import subprocess
    import sys

    code = "import sys, kdviz, kdviz.cli.main, kdviz.train.experiments; print('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_models_shapes_and_sizes():
    import torch

    from kdviz import StudentMLP, TeacherCNN, architecture, build_model, count_params, size_bytes

    x = torch.zeros(3, 1, 28, 28)
    s = StudentMLP()
    assert s(x).shape == (3, 10)
    assert count_params(s) == 784 * 128 + 128 + 128 * 10 + 10
    assert size_bytes(s) == 4 * count_params(s)
    assert count_params(StudentMLP((800, 800))) == 784 * 800 + 800 + 800 * 800 + 800 + 8010
    t = TeacherCNN()
    assert t(x).shape == (3, 10)
    assert count_params(build_model(architecture(t))) == count_params(t)
    with pytest.raises(ValueError):
        StudentMLP((0,))
