"""The message catalog: every key in both languages, with the same fields."""

import pytest

from kdviz.i18n import LANGS, MESSAGES, fields_of, tr


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_in_every_language(key):
    entry = MESSAGES[key]
    assert set(entry) == set(LANGS), key
    assert all(entry[lang].strip() for lang in LANGS)
    assert fields_of(entry["en"]) == fields_of(entry["zh"]), key


def test_tr_formats_and_falls_back():
    assert tr("url.bad", "zh", problem="T=-1") == "链接中的参数已忽略:T=-1"
    assert tr("url.bad", "fr", problem="x") == "Ignored in the link: x"
