"""English / 中文: one catalog (kdviz.base.i18n.MESSAGES) for every piece of UI text.

* every key has both languages with the same ``{fields}`` and format specs;
* every key the sources use exists, and every key in the catalog is used;
* every page (AppTest) opens with ``?lang=zh`` without an exception, with a Chinese title and
  no English sentence left on it, and with ``?lang=en`` with its English title;
* the figure builders give Chinese titles, axes and legends with ``lang="zh"``;
* the compression lab's methods, notes and progress messages (keys with fields), its families and the
  library's one-line problems (kdviz.data.digits, kdviz.serve.urlstate) are English as before in "en" and Chinese in "zh".
"""

import ast
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import ui
from kdviz import compress as kc
from kdviz.base.i18n import LANGS, MESSAGES, PLURAL_FORMS, fields_of, render, specs_of, texts_of, tr
from kdviz.maths import stats
from kdviz.viz import plots, plots_compress, plots_lab

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py")),
           *[p for p in sorted((ROOT / "kdviz").rglob("*.py")) if p.name != "i18n.py"]]
CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z]{3,}")  # an English word: a text with one must also hold Chinese in zh
ACRONYMS = {"TCKD", "NCKD"}  # the DKD paper's names, kept in both languages (the live views' too)
TR_CALL = re.compile(r"""\btr\(\s*(["'])([^"'{}]+)\1""")  # tr("key", …), ui.tr("key", …), i18n.tr("key", …)
START_PAGE = re.compile(r"""\bstart_page\(\s*(["'])([^"']+)\1""")
KEY_LIKE = re.compile(r"[a-z_]+\.[A-Za-z0-9_]+")
MESSAGE_ONLY = {"ui", "nav", "common", "home", "temp", "losses", "train", "comp", "mine", "plots", "plots_lab", "plots_compress",
                "digits", "url"}  # namespaces no widget key uses


# ---------------------------------------------------------------- the catalog


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_in_every_language(key):
    entry = MESSAGES[key]
    assert set(entry) == set(LANGS), key
    texts = [t for lang in LANGS for t in texts_of(entry[lang])]
    assert all(t.strip() for t in texts)
    assert all(fields_of(t) == fields_of(texts[0]) for t in texts), key
    assert all(specs_of(t) == specs_of(texts[0]) for t in texts), key  # numbers formatted alike
    for lang in LANGS:  # a plural message has exactly the forms its language uses, and a count field
        if isinstance(entry[lang], dict):
            assert set(entry[lang]) == set(PLURAL_FORMS[lang]) and "n" in fields_of(texts[0]), (key, lang)
    assert isinstance(entry["en"], dict) == isinstance(entry["zh"], dict), key


def test_catalog_is_data():
    """One flat JSON file per language; plural forms are keys ending in _one / _other."""
    for lang in LANGS:
        flat = json.loads((ROOT / "kdviz" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in flat.items())
    assert tr("plots_lab.seeds", "en", n=1) == "1 seed" and tr("plots_lab.seeds", "en", n=3) == "3 seeds"
    assert tr("plots_lab.seeds", "zh", n=1) == tr("plots_lab.seeds", "zh", n=3).replace("3", "1")


def test_tr_formats_and_falls_back():
    assert tr("url.bad", "zh", problem="T=-1") == "链接中的参数已忽略：T=-1"
    assert tr("url.bad", "fr", problem="x") == "Ignored in the link: x"
    assert tr("home.fewer", "en", ratio=12.345) == "12.3× fewer"


def test_chinese_is_chinese():
    """Every zh message with an English word in it also holds Chinese, unless it is the same in both (a name)."""
    def words(text):  # without the {fields}
        return WORD.search(re.sub(r"\{[^}]*\}", "", text))

    left = [k for k, e in MESSAGES.items() for zh in texts_of(e["zh"])
            if zh not in texts_of(e["en"]) and words(zh) and not CJK.search(zh)]
    assert not left, left


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in SOURCES}


def test_every_key_used_in_the_sources_exists():
    missing = []
    for path, text in _sources().items():
        for _, key in TR_CALL.findall(text):
            if key not in MESSAGES:
                missing.append(f"{path.name}: tr({key!r})")
        for _, title in START_PAGE.findall(text):
            if KEY_LIKE.fullmatch(title) and title not in MESSAGES:
                missing.append(f"{path.name}: start_page({title!r})")
        for node in ast.walk(ast.parse(text)):  # keys in tables (ui.PAGES, plots.NAMES, …)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY_LIKE.fullmatch(node.value):
                if node.value.split(".")[0] in MESSAGE_ONLY and node.value not in MESSAGES:
                    missing.append(f"{path.name}: {node.value!r}")
    assert not missing, missing
    assert sum(len(TR_CALL.findall(t)) for t in _sources().values()) > 200  # the regex does find the calls


def test_every_key_in_the_catalog_is_used():
    literals = set()
    for text in _sources().values():
        literals |= {node.value for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not sorted(set(MESSAGES) - literals)


# ---------------------------------------------------------------- the pages

TITLE_WORDS = {  # page-title key → words its English title holds
    "home.title": "kdviz", "temp.title": "Temperature", "losses.title": "Losses", "train.title": "Train",
    "lab.title": "Distillation lab", "comp.title": "Compression lab", "mine.title": "Your digit",
}
PAGES = {script: (title, TITLE_WORDS[title]) for script, _, _, _, title in ui.PAGES}  # script → (title key, English words)


def open_page(script: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_texts(at: AppTest) -> list[str]:
    """The text of what a page shows: headings, prose, messages, metric and widget labels, options, help, tabs."""
    out = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
           for e in at.get(kind)]
    out += [m.label for m in at.metric] + [t.label for t in at.tabs]
    for kind in ("slider", "select_slider", "selectbox", "multiselect", "radio", "number_input", "toggle", "checkbox",
                 "button", "download_button", "file_uploader", "page_link"):
        for w in at.get(kind):
            proto = w.proto
            if getattr(proto, "id", "").endswith("-lang") or getattr(w, "key", None) == "lang":
                continue  # the language box names each language in itself
            out += [proto.label] + ([proto.help] if getattr(proto, "help", "") else [])
            if kind in ("selectbox", "multiselect", "radio"):
                out += list(proto.options)
    return [t for t in out if t]


def english_left(at: AppTest) -> list[str]:
    return [t for t in shown_texts(at) if WORD.search(t) and not CJK.search(t)]


@pytest.mark.parametrize("script", list(PAGES))
def test_page_in_chinese(script):
    at = open_page(script, "zh")
    title = at.title[0].value
    assert CJK.search(title) and title == tr(PAGES[script][0], "zh")
    assert at.session_state["lang"] == "zh"
    assert not english_left(at), english_left(at)


@pytest.mark.parametrize("script", list(PAGES))
def test_page_in_english(script):
    at = open_page(script, "en")
    title = at.title[0].value
    assert title == tr(PAGES[script][0], "en") and PAGES[script][1] in title and not CJK.search(title)
    assert not any(CJK.search(t) for t in shown_texts(at))


def test_switching_language_in_the_sidebar_keeps_the_view():
    at = open_page("pages/1_Temperature.py", "en")
    at.session_state["T"] = 8.0  # as the live slider's release sets it (kdviz.viz.live)
    at.run()
    at.selectbox(key="lang").set_value("zh").run()
    assert not at.exception
    slider = next(d for d in (json.loads(e.proto.bytes or e.proto.json) for e in at.get("bidi_component")) if d["view"] == "slider")
    assert at.title[0].value == tr("temp.title", "zh") and at.session_state["T"] == 8.0 and slider["T"] == 8.0
    assert slider["params"][0]["label"] == "温度 T" and slider["lang"] == "zh"


def test_train_run_in_chinese(res):
    at = open_page("pages/3_Train.py", "zh")
    at.number_input(key="_train_epochs").set_value(2)
    at.selectbox(key="_train_size").set_value("784-32-10")
    at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert tr("train.history", "zh") in [s.value for s in at.subheader]
    assert any(m.value.startswith("#### 第 1 次运行：784-32-10") for m in at.markdown)
    assert not english_left(at), english_left(at)


def test_lab_run_in_chinese(res, tmp_path, monkeypatch):
    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    at = open_page("pages/4_Lab.py", "zh")
    at.multiselect(key="fewer.fractions").set_value([0.1])
    at.number_input(key="fewer.seeds").set_value(1)
    at.number_input(key="fewer.epochs").set_value(1)
    at.button(key="fewer.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value.startswith("10% 的标签：蒸馏 **") for m in at.markdown)
    assert not english_left(at), english_left(at)


def test_your_digit_in_chinese(res):
    buf = io.BytesIO()
    Image.fromarray(255 - res.data.images_test[11]).resize((140, 140), Image.BILINEAR).save(buf, format="PNG")
    at = open_page("pages/6_Your_digit.py", "zh")
    at.radio(key="_mine_source").set_value("upload").run()
    at.file_uploader(key="_upload").upload("mine.png", buf.getvalue(), "image/png").run()
    assert not at.exception and not at.warning
    assert {m.label for m in at.metric} == {"教师模型认为", "学生模型认为"}
    assert not english_left(at), english_left(at)


def test_losses_options_are_stable_values():
    at = open_page("pages/2_Losses.py", "zh")
    at.radio(key="_loss_scope").set_value("all").run()
    assert not at.exception
    assert list(at.radio(key="_loss_scope").options) == ["所选数字", "全部 1,000 个测试数字"]


# ---------------------------------------------------------------- the figures


def figure_texts(fig) -> list[str]:
    """Title, axis and colour-bar titles, legend names and annotations of a plotly figure."""
    lay = fig.layout
    out = [lay.title.text] + [a.text for a in lay.annotations]
    out += [ax.title.text for name in dir(lay) if re.fullmatch(r"[xy]axis\d*", name) for ax in [getattr(lay, name)]]
    for trace in fig.data:
        if trace.showlegend is not False and trace.name:
            out.append(trace.name)
        colorbar = getattr(getattr(trace, "colorbar", None), "title", None)
        if colorbar is not None:
            out.append(colorbar.text)
    return [t for t in out if t]


def all_figures(res, lang: str) -> dict[str, object]:
    hist = pd.DataFrame({"epoch": [1, 2], "test_acc": [0.9, 0.92], "total": [1.0, 0.8], "soft": [0.5, 0.4], "hard": [0.4, 0.3]})
    runs = pd.DataFrame({"run": [1], "T": [4.0], "gamma": [0.9], "distilled_acc": [0.95], "baseline_acc": [0.94]})
    rng = np.random.default_rng(0)
    fewer = pd.DataFrame({"fraction": [0.1, 0.1, 1.0, 1.0], "seed": [0, 1, 0, 1], "distilled_acc": rng.random(4), "baseline_acc": rng.random(4)})
    gens = pd.DataFrame({"generation": [0, 1, 2], "test_acc": [0.9, 0.91, 0.92]})
    arms = pd.DataFrame({"arm": ["phase1", "phase1", "labels_only", "self_distilled"], "epoch": [1, 2, 3, 3], "test_acc": [0.8, 0.85, 0.86, 0.87]})
    merge = pd.DataFrame([{"model": m, "digit": d, "acc": 0.9} for m in plots_lab.MERGE_COLOURS for d in range(10)])
    omit = pd.DataFrame({"digit": range(10), "acc": rng.random(10)})
    curves = pd.DataFrame({"bias": [0.0, 1.0, 2.0], "omitted_acc": [0.1, 0.5, 0.8], "acc": [0.9, 0.92, 0.91]})
    cells = pd.DataFrame({"T": [2.0, 4.0], "gamma": [0.5, 0.5], "test_acc_mean": [0.9, 0.91], "test_acc_std": [0.01, 0.02], "n": [2, 2]})
    return {
        "training_figure": plots.training_figure({"distilled": hist, "baseline": hist}, epochs=2, lang=lang),
        "confusion_figure": plots.confusion_figure(np.eye(10, dtype=int), lang=lang),
        "per_class_figure": plots.per_class_figure({"teacher": [0.99] * 10, "distilled": [0.95] * 10, "baseline": [0.94] * 10}, lang=lang),
        "runs_figure": plots.runs_figure(runs, lang=lang),
        "digit_map_figure": plots.digit_map_figure(rng.random((20, 2)), np.arange(20) % 10, np.zeros(2), 4.0, lang=lang),
        "fewer_labels_figure": plots_lab.fewer_labels_figure(stats.mean_std(fewer, "fraction", ["distilled_acc", "baseline_acc"]),
                                                      teacher_acc=0.99, lang=lang),
        "born_again_figure": plots_lab.born_again_figure(stats.mean_std(gens, "generation", "test_acc"), lang=lang),
        "snapshot_figure": plots_lab.snapshot_figure(stats.mean_std(arms, ["arm", "epoch"], "test_acc"), 2, lang=lang),
        "merge_figure": plots_lab.merge_figure(stats.mean_std(merge, ["model", "digit"], "acc"), lang=lang),
        "omit_per_class_figure": plots_lab.omit_per_class_figure(stats.mean_std(omit, "digit", "acc"), 3, bias=1.0, lang=lang),
        "bias_figure": plots_lab.bias_figure(stats.mean_std(curves, "bias", ["omitted_acc", "acc"]), 3, bias=1.0, best_bias=2.0, lang=lang),
        "sweep_heatmap": plots_lab.sweep_heatmap(cells, lang=lang),
        "dkd_figure": plots_lab.dkd_figure(pd.DataFrame({"method": ["kd", "dkd"], "beta": [float("nan"), 8.0],
                                                         "test_acc": [0.95, 0.96], "test_acc_std": [0.01, float("nan")],
                                                         "seeds": [[0, 1], [0, 1]]}), lang=lang),
    }


def test_every_figure_builder_is_covered(res):
    builders = {n for n in plots.__all__ + plots_lab.__all__ if n.endswith("_figure") or n == "sweep_heatmap"}
    builders -= {"digit_figure", "refill_training_figure"}  # the title it is given; new data into a training_figure
    assert set(all_figures(res, "en")) == builders


def test_figures_in_chinese(res):
    for name, fig in all_figures(res, "zh").items():
        texts = figure_texts(fig)
        title = fig.layout.title.text or " ".join(a.text for a in fig.layout.annotations)  # training: subplot titles
        assert CJK.search(title), (name, title)
        left = [t for t in texts if WORD.search(t) and not CJK.search(t) and t not in ACRONYMS]
        assert not left, (name, left)


def test_figures_in_english_unchanged(res):
    figs = all_figures(res, "en")
    assert [trace.name for trace in figs["training_figure"].data][:4] == ["distilled: test acc", "distilled: total", "distilled: soft", "distilled: hard"]
    assert figs["fewer_labels_figure"].layout.title.text == "Test accuracy vs labels kept (mean ± std over 2 seeds)"
    assert figs["born_again_figure"].layout.title.text == "Born-again generations (1 seed)"
    for name, fig in figs.items():
        assert not any(CJK.search(t) for t in figure_texts(fig)), name


# ---------------------------------------------------------------- the compression lab


def compress_table() -> pd.DataFrame:
    """A compare table with one row per method of the full plan (numbers made up, shapes and identities real)."""
    rng = np.random.default_rng(0)
    rows = []
    for i, m in enumerate(kc.plan(kc.DEFAULT)):
        rows.append({"method": m.name, "family": m.family, "base": m.base, "params": 1000 + 10 * i, "size_bytes": 4000 + 100 * i,
                     "sparse_bytes": 3000 + 50 * i, "latency_ms_1": 0.1 + 0.01 * i, "latency_ms_256": 2.0 + 0.1 * i,
                     "test_acc": 0.85 + 0.1 * rng.random(), "test_acc_std": 0.01, "n_seeds": 3, "sparsity": 0.5,
                     "key": m.key, "fields": m.message[1]})
    rows[3]["test_acc"] = 0.2  # one model under the floor: named in an annotation
    return pd.DataFrame(rows)


def compress_figures(lang: str) -> dict[str, object]:
    df = compress_table()
    curve = pd.DataFrame({"rank": [1, 8, 64], "test_acc": [0.3, 0.9, 0.95], "params": [900, 7000, 60000]})
    figs = {f"pareto_figure[{x}]": plots_compress.pareto_figure(df, x=x, threads=2, lang=lang) for x in plots_compress.AXES}
    figs["rank_curve_figure"] = plots_compress.rank_curve_figure(curve, rank=8, dense_acc=0.95, dense_params=100000, lang=lang)
    return figs


def test_compress_figures_in_chinese():
    assert {n for n in plots_compress.__all__ if n.endswith("_figure")} == {"pareto_figure", "rank_curve_figure"}
    for name, fig in compress_figures("zh").items():
        texts = figure_texts(fig)
        assert CJK.search(fig.layout.title.text), (name, fig.layout.title.text)
        left = [t for t in texts if WORD.search(t) and not CJK.search(t)]
        assert not left, (name, left)
        assert all(CJK.search(trace.hovertemplate) for trace in fig.data if trace.hovertemplate), name


def test_compress_figures_in_english_unchanged():
    figs = compress_figures("en")
    fig = figs["pareto_figure[latency_ms_256]"]
    assert fig.layout.title.text == "Test accuracy vs latency (mean ± std over 3 seeds, 2 threads)"
    assert fig.layout.xaxis.title.text == "CPU latency, 256 images (ms, log scale)"
    assert [t.name for t in fig.data][:-1] == [*kc.FAMILIES, "Pareto front"]
    assert fig.data[0].hovertemplate == ("<b>%{customdata[0]}</b><br>from the %{customdata[1]}<br>%{x:.3g}, %{y:.1f} %<br>"
                                         "%{customdata[2]:,} parameters<extra>baseline</extra>")
    assert fig.data[-1].name.startswith("below 80 %, not drawn:<br>teacher · prune per-layer L1 70% (20.0 %)")  # in the legend
    assert figs["pareto_figure[size_bytes]"].layout.title.text == "Test accuracy vs size (mean ± std over 3 seeds)"
    assert figs["rank_curve_figure"].layout.title.text == "Student: truncated SVD of its linear layers"
    for name, fig in figs.items():
        assert not any(CJK.search(t) for t in figure_texts(fig)), name


FULL_PLAN = [  # the English names of the full plan's methods, as the README and the CLI have always shown them
    "teacher (CNN, fp32)", "student (MLP 784-128-10, labels only)",
    "teacher · prune per-layer L1 50%", "teacher · prune per-layer L1 70%", "teacher · prune per-layer L1 90%",
    "teacher · prune global L1 50%", "teacher · prune global L1 70%", "teacher · prune global L1 90%",
    "teacher · prune global L1 90% + fine-tune 2 ep", "teacher · prune channels L2 25%, rebuilt",
    "teacher · prune channels L2 50%, rebuilt", "teacher · prune channels L2 50%, rebuilt + fine-tune 2 ep",
    "teacher · int8 dynamic (linear layers)", "teacher · int8 static (all layers)",
    "student · int8 dynamic (linear layers)", "student · int8 static (all layers)",
    "teacher · SVD linear rank 32", "teacher · conv 3×3 → 3×1 + 1×3, rank 16", "teacher · conv 3×3 → 3×1 + 1×3, rank 16 + fine-tune 2 ep",
    "student · SVD linear rank 8", "student · SVD linear rank 16", "student · SVD linear rank 32", "student · SVD linear rank 8 + fine-tune 2 ep",
    "depthwise-separable CNN (labels only)", "depthwise-separable CNN (distilled, T=4, γ=0.9)",
    "distilled MLP 784-32-10", "distilled MLP 784-128-10", "distilled MLP 784-512-10",
]
METHOD_WORDS = re.compile(r"prune|rebuilt|dynamic|static|linear|rank|fine-tune|labels|distilled|teacher|student|seed|timing|done|cache")


@pytest.mark.parametrize("config", [kc.DEFAULT, kc.QUICK], ids=["full", "quick"])
def test_compress_labels(config):
    """Methods, families and bases: the English text as before in "en", Chinese in "zh", from keys and fields."""
    names = [m.name for m in kc.plan(config)]
    if config == kc.DEFAULT:
        assert names == FULL_PLAN
    for m in kc.plan(config):
        assert tr(m.key, "en", **m.message[1]) == m.name
        zh = tr(m.key, "zh", **m.message[1])
        assert CJK.search(zh) and not METHOD_WORDS.search(zh), zh
    for family in kc.FAMILIES:
        assert plots_compress.family_label(family, "en") == family and CJK.search(plots_compress.family_label(family, "zh"))
        note = plots_compress.family_note(family, "zh")
        assert plots_compress.family_note(family, "en") != note and CJK.search(note)
    assert [plots_compress.base_label(b, "zh") for b in ("teacher", "student")] == ["教师模型", "学生模型"]
    assert plots_compress.method_names(compress_table(), "en") == [m.name for m in kc.plan(kc.DEFAULT)]


def _old_note(row: dict, base_row: dict, rebuilt: bool) -> str:
    """The note as kdviz.compress wrote it before it had keys (independent of the catalog)."""
    if row["family"] == "baseline":
        return "reference"
    size = row["size_bytes"] / base_row["size_bytes"]
    speed = base_row["latency_ms_256"] / row["latency_ms_256"]
    acc = 100 * (row["test_acc"] - base_row["test_acc"])
    parts = [f"{size:.0%} of the {row['base']}'s bytes", f"{speed:.2f}× its speed on 256 images", f"{acc:+.1f} points"]
    if row["family"] == "pruning" and not rebuilt:
        parts.insert(0, f"{row['sparsity']:.0%} of weights zero; dense file no smaller, CSR {row['sparse_bytes'] / base_row['size_bytes']:.0%}")
    elif row["family"] == "pruning":
        parts.insert(0, f"{1 - row['params'] / base_row['params']:.0%} of parameters removed")
    return "; ".join(parts)


def test_compress_notes_are_the_library_notes():
    """The note of every row: a key with fields; in English the text it always had, in Chinese one Chinese line."""
    df = compress_table()
    df["sparsity"] = np.linspace(0.0, 0.9, len(df))
    methods = kc.plan(kc.DEFAULT)
    bases = {r["base"]: r for r in df.to_dict(orient="records") if r["family"] == "baseline"}
    for m, row in zip(methods, df.to_dict(orient="records")):
        key, fields = kc.note(m, row, bases[row["base"]])
        assert tr(key, "en", **fields) == _old_note(row, bases[row["base"]], rebuilt=m.rebuild)
        zh = tr(key, "zh", **fields)
        assert CJK.search(zh) and "\n" not in zh and not METHOD_WORDS.search(zh), zh


def test_compression_run_in_chinese(res, tmp_path, monkeypatch):
    import html

    monkeypatch.setenv("KDVIZ_CACHE_DIR", str(tmp_path))
    messages = []  # what the run reports while it runs
    compare = kc.compare

    def recording(*args, progress, **kwargs):
        return compare(*args, progress=lambda done, message: (messages.append(message), progress(done, message)), **kwargs)

    monkeypatch.setattr(kc, "compare", recording)
    at = open_page("pages/5_Compression.py", "zh")
    assert at.radio(key="compress.preset").value == "full"  # the page opens on the full, shipped comparison
    at.radio(key="compress.preset").set_value("quick").run()  # the quickest settings
    at.button(key="compress.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    english = [render(m, "en") for m in messages]
    assert english[0] == "seed 0: baseline student" and english[-1] == "done"
    assert "seed 0: teacher · prune global L1 50%" in english and "timing every model on 256 images" in english
    assert len(messages) == 3 + len(kc.plan(kc.QUICK)) + 1
    for message in messages:
        zh = render(message, "zh")
        assert CJK.search(zh) and not METHOD_WORDS.search(zh), zh
    assert not at.error and len(at.warning) == 1 and CJK.search(at.warning[0].value)  # the quick run is undertrained
    assert len(at.get("plotly_chart")) == 2
    head = f'<div style="{ui.CHART_TITLE_CSS}">'  # ui.chart writes each figure's title above it
    titles = [html.unescape(m.value.removeprefix(head).removesuffix("</div>")) for m in at.markdown if m.value.startswith(head)]
    assert len(titles) == 2
    for title in titles:
        assert CJK.search(title) and not WORD.search(re.sub(r"SVD", "", title)), title
    columns = at.segmented_control(key="compress.columns")
    assert columns.label == "显示的列" and columns.options == ["准确率", "大小", "速度"]
    table = at.table[0].value
    assert list(table.columns) == ["方法", "测试准确率（%）", "类别", "基于"]
    assert all(CJK.search(m) for m in table["方法"]) and all(CJK.search(f) for f in table["类别"])
    notes = at.table[1].value
    assert list(notes.columns) == ["方法", "得失"] and all(CJK.search(n) for n in notes["得失"])
    assert CJK.search(at.download_button(key="compress.download").label)
    assert {m.label for m in at.metric} == {"测试准确率", "参数量"}
    assert not english_left(at), english_left(at)
