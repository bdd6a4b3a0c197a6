"""Every widget of every page keeps its value when the learner leaves the page and comes back (issue 28, item 1).

Streamlit drops a widget's value at the end of a run that did not draw it; before ``ui.view_state.keep_widget_values``
the Train page came back with Epochs at 1 and the default student size. Here each page's widgets are set as a
browser sets them (the option's shown text), the learner goes to another page and back, and every widget must
show what was set. tests/test_train_page.py checks the same on the Train page in chromium."""

from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["app.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("[0-9]*.py"))]
KINDS = ("number_input", "slider", "select_slider", "selectbox", "radio", "multiselect", "toggle", "checkbox",
         "button_group", "text_input")  # the kinds of widget the pages use that hold a value
NOT_SET = {"_w_data"}  # the data set: choosing Fashion-MNIST loads 70,000 images (test_datasets covers it); a shared value


def widgets(at) -> dict:
    """The keyed value widgets shown, by key."""
    return {w.key: w for kind in KINDS for w in at.get(kind) if getattr(w, "key", None)}


def values(at) -> dict:
    return {key: w.value for key, w in widgets(at).items()}


def choose(w, shown) -> None:
    """Set an option widget as the browser does: by the option's shown text (``shown``: a list for a
    multiselect or select slider). AppTest's ``set_value`` wants the option's value, which it can't see."""
    ws = WidgetState()
    ws.id = w.id
    if isinstance(shown, list):
        ws.string_array_value.data[:] = shown
    else:
        ws.string_value = shown
    w.__class__ = type(type(w).__name__, (type(w),), {"_widget_state": property(lambda self: ws)})


def change(w) -> None:
    """Give ``w`` a value other than its current one."""
    kind = w.type if w.type != "checkbox" else getattr(w.proto, "type", "checkbox")
    if w.type in ("toggle", "checkbox") or kind == 1:
        w.set_value(not w.value)
    elif w.type in ("number_input", "slider"):
        step = w.step or 1
        up = w.value + step
        w.set_value(up if w.max is None or up <= w.max else w.value - step)
    elif w.type in ("selectbox", "radio"):
        w_index = w.index
        choose(w, w.options[(w_index + 1) % len(w.options)])
    elif w.type == "select_slider":
        choose(w, [next(o for o in w.options if o != str(w.format_func(w.value)))])
    elif w.type == "multiselect":
        chosen = list(w.values)
        choose(w, chosen[:-1] if len(chosen) > 1 else chosen + [next(o for o in w.options if o not in chosen)])
    elif w.type == "button_group":
        choose(w, [next(o for o in w.options if o not in w.formatted_values)])
    elif w.type == "text_input":
        w.set_value((w.value or "") + "x")
    else:  # a new kind of widget on a page: this test must learn to set it
        raise AssertionError(f"don't know how to change {w.type} {w.key!r}")


def set_every_widget(at) -> dict:
    """Change every keyed widget of the page (also those a change reveals: DKD's α and β), run, and return
    ``(default values, values after the change)``."""
    first, done = values(at), set()
    while todo := [k for k in widgets(at) if k not in done and k not in NOT_SET]:  # a change can show more (DKD's α, β)
        change(widgets(at)[todo[0]])  # one at a time, as a person does: a widget can follow another (Temperature's class box)
        done.add(todo[0])
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    return first, values(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_widget_keeps_its_value_across_a_page_change(page, cache):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    if page != "app.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    defaults, chosen = set_every_widget(at)
    changed = {k for k in chosen if k not in NOT_SET and chosen[k] != defaults.get(k, object())}
    assert changed, f"{page}: no widget was changed"
    shown = {k for k in defaults if k not in NOT_SET and k in chosen}  # a later change can hide one (DKD: the divergence)
    assert changed >= shown, f"{page}: not changed: {shown - changed}"
    elsewhere = "pages/2_Losses.py" if page == "app.py" else "app.py"
    at.switch_page(elsewhere).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    back = values(at)
    assert {k: back.get(k) for k in chosen} == chosen, page
