"""The guided tour's end and the Chinese wording (issue 28, item 7): the last step ends or restarts the tour; the
formula's total / soft / hard are the catalog's terms; one unit word for nats; presenter mode is not named like the
tour."""

import re

from test_demo import run

from kdviz.base.i18n import MESSAGES

DEMO_ENDED = "_demo_ended"  # ui.demo.DEMO_ENDED: the session key of an ended tour


def test_the_last_step_ends_the_tour():
    at = run("app.py")
    at.switch_page("pages/4_Lab.py").run()
    labels = [b.label for b in at.button]
    assert "End the tour" in labels and "Start again" in labels
    at.button(key="demo_end").click().run()
    assert not at.exception and at.session_state[DEMO_ENDED] is True
    assert not any(m.value.startswith("**Step ") for m in at.markdown)  # the bar is gone
    at.switch_page("pages/2_Losses.py").run()
    assert not any(m.value.startswith("**Step ") for m in at.markdown)  # on every step's page
    at.switch_page("app.py").run()
    assert any(m.value.startswith("**Step 1 of 5.**") for m in at.markdown)  # the home page can start it again
    at.button(key="demo_next_home").click().run()
    assert at.session_state[DEMO_ENDED] is False


def test_start_again_goes_back_to_the_first_step():
    at = run("app.py", query={"lang": "zh"})
    at.switch_page("pages/4_Lab.py").run()
    assert {"结束导览", "重新开始导览"} <= {b.label for b in at.button}
    at.button(key="demo_restart").click().run()
    assert not at.exception
    assert any(m.value.startswith("**第 1 步，共 5 步。**") for m in at.markdown)  # the home page's step


def test_the_home_formula_uses_the_catalogs_terms():
    for lang, terms in (("en", ("total", "soft", "hard")), ("zh", ("总损失", "软损失", "硬损失"))):
        formula = run("app.py", query={"lang": lang}).latex[0].value
        assert [f"\\text{{{t}}}" in formula for t in terms] == [True] * 3, formula
        assert lang == "en" or "\\text{total}" not in formula


def zh_texts() -> list[str]:
    """Every Chinese text of the catalog (a count's forms one by one)."""
    texts = [m["zh"] for m in MESSAGES.values()]
    return [t for x in texts for t in (x.values() if isinstance(x, dict) else [x])]


def test_one_chinese_word_for_nats():
    texts = " ".join(zh_texts())
    assert "奈特" in texts and not re.search(r"\bnats?\b|纳特", texts)


def test_one_chinese_term_each_for_total_soft_and_hard():
    texts = " ".join(zh_texts())
    for other in ("总体损失", "总和损失", "软项损失", "硬项损失", "软目标损失", "软性损失", "硬性损失"):
        assert other not in texts
    assert MESSAGES["losses.total"]["zh"] == "总损失" and MESSAGES["losses.soft"]["zh"] == "软损失"
    assert MESSAGES["losses.hard"]["zh"] == "硬损失"


def test_presenter_mode_is_not_named_like_the_tour():
    present = MESSAGES["ui.present"]["zh"]
    tour = MESSAGES["demo.end"]["zh"] + MESSAGES["demo.restart"]["zh"] + MESSAGES["home.title"]["zh"]
    assert present == "投影模式" and not set(present) & set("演示导览") and "投影" not in tour
