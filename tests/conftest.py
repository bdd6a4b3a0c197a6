import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("KDVIZ_TEST", "1")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # pages import the top-level ``ui`` module, as under ``streamlit run``
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def res():
    """The real embedded data and shipped teacher, loaded once for the test session."""
    from kdviz.resources import load_resources

    return load_resources()


@pytest.fixture(scope="session")
def data(res):
    return res.data
