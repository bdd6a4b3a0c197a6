import os

import pytest

os.environ.setdefault("KDVIZ_TEST", "1")


@pytest.fixture(scope="session")
def res():
    """The real embedded data and shipped teacher, loaded once for the test session."""
    from kdviz.resources import load_resources

    return load_resources()


@pytest.fixture(scope="session")
def data(res):
    return res.data
