"""One message catalog for every piece of UI text, in English and 中文.

``MESSAGES`` is a literal dict: key → {"en": ..., "zh": ...}. ``tr(key, lang, **fields)``
formats one message; a test checks that every key has both languages with the same
``{fields}`` (and format specs), that every key the sources use exists, and that every
key here is used.

Keys are namespaced by where they are shown: ``ui.`` / ``nav.`` / ``common.`` (shared
page helpers), ``home.``, ``temp.``, ``losses.``, ``train.``, ``lab.``, ``comp.``, ``mine.``
(the pages), ``plots.`` / ``plots_lab.`` / ``plots_compress.`` (chart titles, axes, legends,
hovers; for the compression lab also its method, family and note labels) and ``digits.`` /
``url.`` (the one-line problems kdviz.digits and kdviz.urlstate report). Plotly
hover tokens such as ``%{x}`` are passed in as fields, never written here, because
``{`` starts a field. Terms follow the source note (compression-and-distillation.zh.md):
知识蒸馏, 温度 T, 软目标, 软损失 / 硬损失, 教师模型 / 学生模型, 暗知识.
"""

from __future__ import annotations

import string

__all__ = ["LANGS", "MESSAGES", "tr", "fields_of", "specs_of"]

LANGS = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------ shared (ui.py)
    "lang.label": {"en": "Language", "zh": "语言"},
    "lang.en": {"en": "English", "zh": "English"},  # each language named in itself
    "lang.zh": {"en": "中文", "zh": "中文"},
    "link.copy": {"en": "Link to this view", "zh": "本视图的链接"},
    "link.help": {
        "en": "Copy this link to open the same view (T, γ, digit, seed, language) on any page.",
        "zh": "复制此链接，即可在任意页面打开相同的视图（T、γ、数字、随机种子、语言）。",
    },
    "url.bad": {"en": "Ignored in the link: {problem}", "zh": "链接中的参数已忽略：{problem}"},
    "error.teacher": {"en": "The teacher could not be loaded: {error}", "zh": "无法加载教师模型：{error}"},
    "ui.spinner_resources": {"en": "Loading the data and the teacher…", "zh": "正在加载数据和教师模型…"},
    "ui.spinner_reference": {
        "en": "Training the reference student once for this server (about 3 s)…",
        "zh": "正在为本服务器训练一次参考学生模型（约 3 秒）…",
    },
    "ui.T_help": {
        "en": "Softmax(z / T): T = 1 is the ordinary softmax; a higher T flattens it.",
        "zh": "Softmax(z / T)：T = 1 即普通的 softmax；T 越高，分布越平缓。",
    },
    "ui.gamma_label": {"en": "Weight γ of the soft loss", "zh": "软损失的权重 γ"},
    "ui.gamma_help": {
        "en": "total = γ·soft + (1 − γ)·hard. γ = 0 ignores the teacher; γ = 1 ignores the labels.",
        "zh": "总损失 = γ·软损失 + (1 − γ)·硬损失。γ = 0 时不用教师模型；γ = 1 时不用标签。",
    },
    "nav.home": {"en": "Home", "zh": "首页"},
    "nav.temperature": {"en": "Temperature", "zh": "温度"},
    "nav.losses": {"en": "Losses", "zh": "损失"},
    "nav.train": {"en": "Train", "zh": "训练"},
    "nav.lab": {"en": "Lab", "zh": "实验室"},
    "nav.compression": {"en": "Compression", "zh": "压缩"},
    "nav.your_digit": {"en": "Your digit", "zh": "你的数字"},
    "common.temperature": {"en": "Temperature T", "zh": "温度 T"},
    "common.epochs": {"en": "Epochs", "zh": "训练轮数"},
    "common.seeds": {"en": "Seeds", "zh": "种子数"},
    "common.run": {"en": "Run", "zh": "运行"},
    "common.press_run": {"en": "Press **Run**.", "zh": "请按 **运行**。"},
    # ------------------------------------------------------------ app.py (home)
    "home.page_title": {"en": "knowledge distillation explorer", "zh": "知识蒸馏探索器"},
    "home.title": {"en": "kdviz: knowledge distillation, live", "zh": "kdviz：知识蒸馏，实时演示"},
    "home.intro": {
        "en": "A big **teacher** network is accurate but costly. **Knowledge distillation** trains a small **student** "
        "to copy it. The teacher's softmax at a *temperature* T > 1 gives **soft targets**, which say not only "
        "*this is a 4* but also *it looks a bit like a 9*. The student's softmax at the same T is matched to them "
        "(the **soft** loss); its ordinary prediction is matched to the true label (the **hard** loss).",
        "zh": "大的**教师模型**准确，但代价高昂。**知识蒸馏**训练一个小的**学生模型**去模仿它。教师模型在*温度* T > 1 "
        "下的 softmax 给出**软目标**：它不只说*这是 4*，还说*它有点像 9*。学生模型在同一温度 T 下的 softmax "
        "向软目标看齐（**软损失**）；它的普通预测则向真实标签看齐（**硬损失**）。",
    },
    "home.setup": {
        "en": "Here the teacher is a small CNN and the student an MLP, both on 5,000 real MNIST digits "
        "(4,000 to train, 1,000 to test). Everything you see is computed live on this machine.",
        "zh": "这里的教师模型是一个小型 CNN，学生模型是一个 MLP，都使用 5,000 个真实的 MNIST 手写数字"
        "（4,000 个训练，1,000 个测试）。你看到的一切都在这台机器上实时计算。",
    },
    "home.gamma_note": {
        "en": "**γ weights the soft loss**: γ = 0 is ordinary training on labels, γ = 1 learns from the teacher alone. "
        "σ is the softmax, z_t and z_s the teacher's and the student's logits, y the label.",
        "zh": "**γ 是软损失的权重**：γ = 0 即只用标签的普通训练，γ = 1 则只向教师模型学习。"
        "σ 是 softmax，z_t 和 z_s 分别是教师模型和学生模型的 logits，y 是标签。",
    },
    "home.models": {"en": "Teacher and student", "zh": "教师模型与学生模型"},
    "home.teacher": {"en": "Teacher: a CNN (shipped pretrained)", "zh": "教师模型：CNN（随附预训练权重）"},
    "home.student": {"en": "Student: an MLP (trained here, in seconds)", "zh": "学生模型：MLP（在这里训练，只需几秒）"},
    "home.params": {"en": "Parameters", "zh": "参数量"},
    "home.size": {"en": "Size", "zh": "大小"},
    "home.test_acc": {"en": "Test accuracy", "zh": "测试准确率"},
    "home.fewer": {"en": "{ratio:.1f}× fewer", "zh": "仅为教师模型的 1/{ratio:.1f}"},
    "home.train_it": {"en": "train it →", "zh": "去训练 →"},
    "home.train_it_help": {
        "en": "Train one on the Train page: about 95 % distilled, 94 % without the teacher.",
        "zh": "在“训练”页训练一个：蒸馏约 95 %，不用教师模型约 94 %。",
    },
    "home.explore": {"en": "Explore", "zh": "探索"},
    "home.card_temperature": {
        "en": "How T softens the teacher's softmax, and the dark-knowledge map.",
        "zh": "温度 T 如何软化教师模型的 softmax，以及暗知识图。",
    },
    "home.card_losses": {
        "en": "Soft, hard and total loss over T and γ, and why the T² factor.",
        "zh": "软损失、硬损失与总损失随 T 和 γ 的变化，以及为什么要乘 T²。",
    },
    "home.card_train": {
        "en": "Train a student live against the teacher and a baseline; keep every run.",
        "zh": "实时训练学生模型，与教师模型和基线对比；保留每一次运行。",
    },
    "home.card_lab": {
        "en": "Fewer labels, self-distillation, two teachers, a digit never seen, sweeps.",
        "zh": "更少的标签、自蒸馏、两个教师模型、从未见过的数字、参数扫描。",
    },
    "home.card_compression": {
        "en": "Pruning, int8, low rank, compact filters and distillation side by side.",
        "zh": "剪枝、int8 量化、低秩分解、紧凑滤波器与知识蒸馏并排比较。",
    },
    "home.card_your_digit": {
        "en": "Draw or upload a digit; see what the teacher and a student make of it.",
        "zh": "手写或上传一个数字，看看教师模型和学生模型怎么认。",
    },
    # ------------------------------------------------------------ pages/1_Temperature.py
    "temp.title": {"en": "Temperature: softening the teacher", "zh": "温度：软化教师模型的输出"},
    "temp.explain": {
        "en": "At **T = 1** almost all the mass sits on one digit. Raise T and the small probabilities grow: "
        "they say which *wrong* digits this image resembles. Hinton et al. call that **dark knowledge**; "
        "the student learns from it at the same T.",
        "zh": "在 **T = 1** 时，几乎全部概率都集中在一个数字上。升高 T，小概率随之变大："
        "它们说明这张图像像哪些*错误*的数字。Hinton 等人称之为**暗知识**；学生模型在同一温度 T 下向它学习。",
    },
    "temp.the_digit": {"en": "The digit", "zh": "当前数字"},
    "temp.class": {"en": "Class", "zh": "类别"},
    "temp.test_digit": {"en": "Test digit #", "zh": "测试数字编号 #"},
    "temp.test_digit_help": {"en": "Index into the 1,000 test digits.", "zh": "在 1,000 个测试数字中的序号。"},
    "temp.same_class": {"en": "Same class", "zh": "同类随机"},
    "temp.any_digit": {"en": "Any digit", "zh": "任意随机"},
    "temp.digit_caption": {"en": "test digit #{idx}, label {label}", "zh": "测试数字 #{idx}，标签 {label}"},
    "temp.look": {
        "en": "**What to look at.** Move T from 1 to 8: the grey bars (T = 1) stay put, the red ones spread out. "
        "The entropy curve climbs toward log₂10 = 3.32 bits (all digits equal). In the map below, "
        "the off-diagonal cells that light up first are the digits the teacher finds alike.",
        "zh": "**看点。** 把 T 从 1 调到 8：灰色的柱（T = 1）不动，红色的柱逐渐摊开。"
        "熵曲线向 log₂10 = 3.32 比特（所有数字等概率）攀升。在下面的图中，"
        "最先亮起的非对角格子，就是教师模型认为彼此相像的数字。",
    },
    "temp.logits_title": {"en": "Teacher logits z for digit #{idx}", "zh": "教师模型对数字 #{idx} 的 logits z"},
    "temp.log_scale": {"en": "Log scale", "zh": "对数坐标"},
    "temp.log_help": {"en": "Shows the tiny probabilities at T = 1 too.", "zh": "也能看清 T = 1 时的极小概率。"},
    "temp.entropy": {"en": "Entropy at this T", "zh": "当前 T 下的熵"},
    "temp.entropy_value": {"en": "{bits:.2f} bits", "zh": "{bits:.2f} 比特"},
    "temp.entropy_delta": {"en": "{delta:+.2f} bits vs T = 1", "zh": "与 T = 1 相比 {delta:+.2f} 比特"},
    "temp.top_p": {"en": "Top probability", "zh": "最大概率"},
    "temp.runner_up": {"en": "Runner-up digit", "zh": "第二可能的数字"},
    "temp.map": {"en": "Dark knowledge map", "zh": "暗知识图"},
    "temp.map_explain": {
        "en": "Each row is a true digit; each cell the teacher's **mean probability** for a column digit over the "
        "100 test images of that row, at the chosen T. The diagonal (the right answer) is hidden by default "
        "so the colour scale shows the rest. Raise T and pairs like **4–9**, **3–5**, **7–9** and **3–8** "
        "stand out: the similarity structure a student inherits from soft targets, and never from one-hot labels.",
        "zh": "每一行是一个真实数字；每个格子是在所选 T 下，教师模型对该行 100 张测试图像给予该列数字的**平均概率**。"
        "对角线（正确答案）默认隐藏，好让色标显示其余部分。升高 T，**4–9**、**3–5**、**7–9** 和 **3–8** "
        "这样的数字对就会凸显出来：这是学生模型从软目标中继承的相似性结构，而 one-hot 标签里永远没有。",
    },
    "temp.hide_diag": {"en": "Hide the diagonal", "zh": "隐藏对角线"},
    "temp.col_true": {"en": "true", "zh": "真实数字"},
    "temp.col_like": {"en": "looks like", "zh": "看起来像"},
    "temp.col_p": {"en": "mean p", "zh": "平均概率 p"},
    # ------------------------------------------------------------ pages/2_Losses.py
    "losses.title": {"en": "Losses: soft, hard and total", "zh": "损失：软损失、硬损失与总损失"},
    "losses.student": {"en": "Student", "zh": "学生模型"},
    "losses.student_help": {
        "en": "The reference student (784-128-10, T = 4, γ = 0.9, seed 0) at 0, 1 and 30 epochs, "
        "or your latest run from the Train page.",
        "zh": "参考学生模型（784-128-10，T = 4，γ = 0.9，种子 0）训练 0、1 和 30 轮后的状态，"
        "或你在“训练”页最近一次运行的结果。",
    },
    "losses.untrained": {"en": "untrained", "zh": "未训练"},
    "losses.partly_trained": {"en": "partly trained", "zh": "部分训练"},
    "losses.trained": {"en": "trained", "zh": "已训练"},
    "losses.latest": {"en": "latest run (Train page)", "zh": "最近一次运行（训练页）"},
    "losses.scope": {"en": "Loss on", "zh": "计算损失的范围"},
    "losses.scope_digit": {"en": "the chosen digit", "zh": "所选数字"},
    "losses.scope_all": {"en": "all 1,000 test digits", "zh": "全部 1,000 个测试数字"},
    "losses.acc": {"en": "This student's test accuracy: {acc:.1f} %.", "zh": "该学生模型的测试准确率：{acc:.1f} %。"},
    "losses.digit": {
        "en": "Test digit #{idx} (label {label}); change it on the Temperature page or in the link.",
        "zh": "测试数字 #{idx}（标签 {label}）；可在“温度”页或链接中更换。",
    },
    "losses.soft": {"en": "soft", "zh": "软损失"},
    "losses.hard": {"en": "hard", "zh": "硬损失"},
    "losses.total": {"en": "total", "zh": "总损失"},
    "losses.soft_help": {"en": "T²·KL(teacher_T ‖ student_T), nats", "zh": "T²·KL(教师_T ‖ 学生_T)，单位 nats"},
    "losses.hard_help": {"en": "cross-entropy with the label at T = 1, nats", "zh": "T = 1 时与标签的交叉熵，单位 nats"},
    "losses.total_help": {"en": "{gamma:g}·soft + {rest:g}·hard", "zh": "{gamma:g}·软损失 + {rest:g}·硬损失"},
    "losses.explain": {
        "en": "The **hard** loss does not depend on T: it is the student's ordinary softmax against the label. "
        "The **soft** loss compares the two softened distributions; as T grows both flatten, their KL shrinks "
        "like 1/T², and the T² factor brings it back to the scale of the hard loss.",
        "zh": "**硬损失**与 T 无关：它是学生模型的普通 softmax 与标签的比较。"
        "**软损失**比较两个软化后的分布；T 增大时两者都变平，它们的 KL 散度按 1/T² 缩小，"
        "而 T² 因子把它拉回到与硬损失相当的量级。",
    },
    "losses.heat_caption": {
        "en": "total is linear in γ: each column runs from the hard loss (γ = 0, bottom) to the soft loss (γ = 1, top).",
        "zh": "总损失是 γ 的线性函数：每一列从硬损失（γ = 0，底部）变化到软损失（γ = 1，顶部）。",
    },
    "losses.grad_caption": {
        "en": "At T = {T:g}, ‖∂soft/∂z‖ is {with_T2:.3g} with T² and {plain:.3g} without "
        "(hard: {hard:.3g}). ∂soft/∂zᵢ = T·(qᵢ − pᵢ) with the factor: without it the teacher's "
        "signal would fade like 1/T² as T rises (Hinton, Vinyals, Dean 2015, §2).",
        "zh": "在 T = {T:g} 时，‖∂软损失/∂z‖ 乘 T² 为 {with_T2:.3g}，不乘为 {plain:.3g}"
        "（硬损失：{hard:.3g}）。乘上该因子后 ∂软损失/∂zᵢ = T·(qᵢ − pᵢ)；不乘的话，随着 T 升高，"
        "教师模型的信号会按 1/T² 衰减（Hinton、Vinyals、Dean 2015，§2）。",
    },
    # ------------------------------------------------------------ pages/3_Train.py
    "train.title": {"en": "Train a student against the teacher", "zh": "对照教师模型训练学生模型"},
    "train.size": {"en": "Student size", "zh": "学生模型规模"},
    "train.size_help": {"en": "MLP layer widths, input to output.", "zh": "MLP 各层宽度，从输入到输出。"},
    "train.size_hinton": {"en": "{size} (Hinton's)", "zh": "{size}（Hinton 论文中的）"},
    "train.lr": {"en": "Learning rate", "zh": "学习率"},
    "train.seed": {"en": "Seed", "zh": "随机种子"},
    "train.seed_help": {"en": "Seeds the initialisation and the batch order.", "zh": "决定初始化和批次顺序。"},
    "train.with_baseline": {
        "en": "Also train the baseline (γ = 0, same initialisation)",
        "zh": "同时训练基线（γ = 0，相同初始化）",
    },
    "train.button": {"en": "Train", "zh": "训练"},
    "train.explain": {
        "en": "The **distilled** student learns from γ·soft + (1 − γ)·hard at temperature T; the **baseline** starts "
        "from the very same weights and sees only the labels. Adam, batch 64, one CPU thread; the teacher's "
        "logits are computed once, so a distilled epoch costs about the same as a plain one.",
        "zh": "**蒸馏**学生模型在温度 T 下以 γ·软损失 + (1 − γ)·硬损失学习；**基线**从完全相同的权重出发，"
        "只看标签。Adam 优化器，批大小 64，单个 CPU 线程；教师模型的 logits 只计算一次，"
        "所以蒸馏一轮的开销与普通训练一轮相当。",
    },
    "train.distilled": {"en": "distilled", "zh": "蒸馏"},
    "train.baseline": {"en": "baseline", "zh": "基线"},
    "train.progress": {
        "en": "{name}: epoch {epoch}/{epochs}, test accuracy {acc:.1f} %",
        "zh": "{name}：第 {epoch}/{epochs} 轮，测试准确率 {acc:.1f} %",
    },
    "train.training": {"en": "Training…", "zh": "训练中…"},
    "train.finished": {
        "en": "Run {run} finished in {seconds:.1f} s of training",
        "zh": "第 {run} 次运行完成，训练用时 {seconds:.1f} 秒",
    },
    "train.empty": {
        "en": "Choose the settings and press **Train**. A default run (30 epochs, both students) takes a few seconds.",
        "zh": "选好设置后按 **训练**。一次默认运行（30 轮，两个学生模型）只需几秒。",
    },
    "train.run_header": {
        "en": "Run {run}: {arch}, T = {T:g}, γ = {gamma:g}, seed {seed}",
        "zh": "第 {run} 次运行：{arch}，T = {T:g}，γ = {gamma:g}，种子 {seed}",
    },
    "train.model_teacher": {"en": "teacher (CNN)", "zh": "教师模型（CNN）"},
    "train.model_distilled": {"en": "distilled student", "zh": "蒸馏学生模型"},
    "train.model_baseline": {"en": "baseline student (γ = 0)", "zh": "基线学生模型（γ = 0）"},
    "train.col_model": {"en": "model", "zh": "模型"},
    "train.col_test_acc": {"en": "test accuracy", "zh": "测试准确率"},
    "train.col_agreement": {"en": "agrees with teacher", "zh": "与教师模型一致"},
    "train.col_params": {"en": "params", "zh": "参数量"},
    "train.col_size": {"en": "size (kB)", "zh": "大小（kB）"},
    "train.col_seconds": {"en": "training (s)", "zh": "训练用时（秒）"},
    "train.confusion": {"en": "Distilled student: confusion (test)", "zh": "蒸馏学生模型：混淆矩阵（测试集）"},
    "train.disagree": {
        "en": "Where the student and the teacher disagree ({n} of 1,000 test digits; the student's most confident first)",
        "zh": "学生模型与教师模型意见不一之处（1,000 个测试数字中有 {n} 个；学生模型最有把握的排在前面）",
    },
    "train.disagree_caption": {
        "en": "label {label} · teacher {teacher} · student {student} ({p:.0f} %)",
        "zh": "标签 {label} · 教师 {teacher} · 学生 {student}（{p:.0f} %）",
    },
    "train.history": {"en": "Run history", "zh": "运行记录"},
    "train.h_run": {"en": "run", "zh": "运行"},
    "train.h_hidden": {"en": "hidden", "zh": "隐藏层"},
    "train.h_epochs": {"en": "epochs", "zh": "轮数"},
    "train.h_lr": {"en": "lr", "zh": "学习率"},
    "train.h_gamma": {"en": "gamma", "zh": "γ"},
    "train.h_seed": {"en": "seed", "zh": "种子"},
    "train.h_distilled_acc": {"en": "distilled_acc", "zh": "蒸馏准确率"},
    "train.h_baseline_acc": {"en": "baseline_acc", "zh": "基线准确率"},
    "train.h_gain": {"en": "gain", "zh": "提升"},
    "train.h_agreement": {"en": "agreement", "zh": "与教师一致"},
    "train.h_params": {"en": "params", "zh": "参数量"},
    "train.h_seconds": {"en": "seconds", "zh": "秒"},
    "train.download_history": {"en": "Download the history (CSV)", "zh": "下载运行记录（CSV）"},
    "train.weights_of": {"en": "Weights of run", "zh": "要下载权重的运行"},
    "train.download_weights": {
        "en": "Download run {run}'s student (safetensors)",
        "zh": "下载第 {run} 次运行的学生模型（safetensors）",
    },
    "train.clear": {"en": "Clear the history", "zh": "清空运行记录"},
    # ------------------------------------------------------------ pages/4_Lab.py
    "lab.page_title": {"en": "distillation lab", "zh": "蒸馏实验室"},
    "lab.title": {"en": "Distillation lab", "zh": "蒸馏实验室"},
    "lab.intro": {
        "en": "Five experiments on the kinds and uses of distillation named in the source note and in Hinton et al. (2015). "
        "Every figure is a mean ± std over the seeds chosen, computed when you press Run.",
        "zh": "五个实验，对应原始笔记和 Hinton 等人（2015）提到的知识蒸馏的种类与作用。"
        "每个数字都是所选种子上的均值 ± 标准差，在你按下“运行”时计算。",
    },
    "lab.tab_fewer": {"en": "Fewer labels", "zh": "更少的标签"},
    "lab.tab_self": {"en": "Self-distillation", "zh": "自蒸馏"},
    "lab.tab_merge": {"en": "Two teachers, one student", "zh": "两个教师，一个学生"},
    "lab.tab_omit": {"en": "A digit never seen", "zh": "从未见过的数字"},
    "lab.tab_sweep": {"en": "T × γ sweep", "zh": "T × γ 扫描"},
    "lab.failed": {"en": "{label} failed: {error}", "zh": "{label}运行失败：{error}"},
    "lab.seeds_help": {
        "en": "Runs with seeds 0, 1, …; figures are mean ± std over them.",
        "zh": "用种子 0、1、… 各运行一次；图中是它们的均值 ± 标准差。",
    },
    "lab.fractions": {"en": "Labels kept (fraction of the train digits)", "zh": "保留标签的比例（占训练数字）"},
    "lab.fewer_explain": {
        "en": "**Semi-supervised distillation** (the source note's second kind, and its fourth use: *fewer labels*). Only a stratified, "
        "seeded fraction of the 4,000 train digits keep their label.\n\n"
        "* **distilled** student: hard loss on the labelled digits, the teacher's soft targets (T = 4, γ = 0.9) on *every* image;\n"
        "* **labels only**: γ = 0 on the labelled digits alone, with as many optimiser steps as the distilled student.\n\n"
        "The teacher (trained on all labels) stands in for a model trained elsewhere; the unlabelled images cost nothing to label.",
        "zh": "**半监督蒸馏**（原始笔记中的第二种蒸馏，也是它的第四种作用：*降低标注量*）。4,000 个训练数字中只有一部分"
        "（分层抽样、由种子决定）保留标签。\n\n"
        "* **蒸馏**学生模型：在有标签的数字上计算硬损失，在*每一张*图像上学习教师模型的软目标（T = 4，γ = 0.9）；\n"
        "* **仅用标签**：只在有标签的数字上训练，γ = 0，优化步数与蒸馏学生模型相同。\n\n"
        "教师模型（用全部标签训练）代表一个在别处训练好的模型；无标签的图像不需要任何标注成本。",
    },
    "lab.fewer_name": {"en": "Fewer labels", "zh": "更少的标签"},
    "lab.fewer_empty": {
        "en": "Press **Run** (≈ 1 s per run and seed at 10 epochs).",
        "zh": "请按 **运行**（10 轮时，每次运行每个种子约 1 秒）。",
    },
    "lab.fewer_result": {
        "en": "{fraction:.0%} labels: distilled **{distilled}**, labels only **{baseline}** (seeds {seeds})",
        "zh": "{fraction:.0%} 的标签：蒸馏 **{distilled}**，仅用标签 **{baseline}**（种子 {seeds}）",
    },
    "lab.generations": {"en": "Born-again generations", "zh": "再生（Born-again）代数"},
    "lab.switch": {"en": "Snapshot after epoch", "zh": "在第几轮后取快照"},
    "lab.switch_fixed": {
        "en": "The snapshot is taken after epoch 1 (2 epochs or more needed).",
        "zh": "快照在第 1 轮后取（至少需要 2 轮）。",
    },
    "lab.self_explain": {
        "en": "**Self-distillation** (the source note's third kind): no separate, bigger teacher.\n\n"
        "* **Born-again**: generation 0 learns from the labels; generation k, a fresh student of the *same* "
        "architecture, learns from the labels and generation k − 1's soft targets (γ = 0.9).\n"
        "* **Snapshot** (the source note's variant): train on the labels, take a frozen copy after some epoch, "
        "and let it supervise the last epochs. The control continues on the labels alone from the same weights.",
        "zh": "**自蒸馏**（原始笔记中的第三种蒸馏）：没有另外一个更大的教师模型。\n\n"
        "* **再生（Born-again）**：第 0 代从标签学习；第 k 代是一个*相同*结构的全新学生模型，"
        "同时从标签和第 k − 1 代的软目标学习（γ = 0.9）。\n"
        "* **快照**（原始笔记中的做法）：先用标签训练，在某一轮后冻结一份副本，"
        "让它监督最后几轮。对照组从相同的权重出发，继续只用标签训练。",
    },
    "lab.born_again": {"en": "Born-again", "zh": "再生（Born-again）"},
    "lab.snapshot": {"en": "Snapshot", "zh": "快照"},
    "lab.self_result": {
        "en": "At epoch {epochs}: labels only **{labels}**, self-distilled **{self}** (seeds {seeds})",
        "zh": "第 {epochs} 轮时：仅用标签 **{labels}**，自蒸馏 **{self}**（种子 {seeds}）",
    },
    "lab.merge_explain": {
        "en": "**Two teachers, one student** (the source note's third use, *domain transfer* between label sets). Teacher A (the CNN) is trained "
        "only on digits 0–4, teacher B only on 5–9. One 10-class MLP learns from both **without any label**, by a "
        "written-down rule: its target logits are A's five logits for 0–4 next to B's five for 5–9 (soft loss only, γ = 1). "
        "The reference is the same MLP trained on all labels.\n\n"
        "⚠️ **Hinton et al. (2015) did not demonstrate this**, and the source note gives no results: what you see is what "
        "this rule measures here. The first run trains the two teachers (≈ 15 s) and caches them on disk.",
        "zh": "**两个教师，一个学生**（原始笔记中的第三种作用：标签集之间的*域迁移*）。教师模型 A（CNN）只用数字 0–4 训练，"
        "教师模型 B 只用 5–9 训练。一个 10 类的 MLP **不用任何标签**，按一条明确写下的规则同时向两者学习："
        "它的目标 logits 是 A 对 0–4 的五个 logits 接上 B 对 5–9 的五个（只用软损失，γ = 1）。"
        "参照是用全部标签训练的同一个 MLP。\n\n"
        "⚠️ **Hinton 等人（2015）并未演示过这种做法**，原始笔记也没有给出结果：你看到的，就是这条规则在这里的实测结果。"
        "第一次运行会训练两个教师模型（约 15 秒）并缓存到磁盘。",
    },
    "lab.two_teachers": {"en": "Two teachers", "zh": "两个教师"},
    "lab.teacher_a": {"en": "Teacher A on test 0–4", "zh": "教师模型 A（测试集 0–4）"},
    "lab.teacher_b": {"en": "Teacher B on test 5–9", "zh": "教师模型 B（测试集 5–9）"},
    "lab.merged": {"en": "Merged student (no labels)", "zh": "合并学生模型（无标签）"},
    "lab.joint": {"en": "Joint student (all labels)", "zh": "联合学生模型（全部标签）"},
    "lab.merge_caption": {
        "en": "Teachers concatenated, all test digits: {acc:.1f} %. Student seeds {seeds}; teachers seed 0.",
        "zh": "两个教师模型拼接后，全部测试数字：{acc:.1f} %。学生模型种子 {seeds}；教师模型种子 0。",
    },
    "lab.omit_digit": {"en": "Digit never seen", "zh": "从未见过的数字"},
    "lab.omit_explain": {
        "en": "**A digit never seen** (Hinton et al. 2015, §3). Every example of one digit is removed from the transfer set; "
        "the student learns from the teacher's soft targets alone (γ = 1) at a high T. The teacher's small probabilities "
        "for that digit on *other* images still carry something about it.\n\n"
        "Its logit comes out too low, so a **bias** is added to it. The bias is chosen on a held-out part of the **train** "
        "split (all its train examples and 10 % of every other digit, none of them in the transfer set), by balanced accuracy; "
        "the test set only reports. Hinton et al., full MNIST without 3s: 133 of 1,010 test 3s wrong; with a bias of 3.5, 14.",
        "zh": "**从未见过的数字**（Hinton 等人 2015，§3）。把某个数字的所有样本从迁移集中去掉；"
        "学生模型在较高的 T 下只学习教师模型的软目标（γ = 1）。教师模型在*其他*图像上给这个数字的小概率，"
        "仍然携带着关于它的信息。\n\n"
        "这个数字的 logit 会偏低，所以要给它加一个**偏置**。偏置在**训练集**中留出的一部分上选取"
        "（该数字的全部训练样本和其他每个数字的 10 %，都不在迁移集中），依据平衡准确率；"
        "测试集只用于报告结果。Hinton 等人在完整 MNIST 上去掉 3 后：1,010 个测试 3 中错了 133 个；加上 3.5 的偏置后，只错 14 个。",
    },
    "lab.omit_name": {"en": "Digit never seen", "zh": "从未见过的数字"},
    "lab.omit_empty": {"en": "Press **Run** (≈ 2 s per seed).", "zh": "请按 **运行**（每个种子约 2 秒）。"},
    "lab.bias": {"en": "Bias added to digit {digit}'s logit", "zh": "加到数字 {digit} 的 logit 上的偏置"},
    "lab.omit_result": {
        "en": "Bias {bias:g}: digit {digit} **{here}**, all digits **{here_all}**. "
        "Without bias, digit {digit}: {zero}; with the bias chosen on held-out "
        "train digits (per seed: {best}), {after} "
        "and all digits {after_all} (seeds {seeds}).",
        "zh": "偏置 {bias:g}：数字 {digit} **{here}**，全部数字 **{here_all}**。"
        "不加偏置时，数字 {digit}：{zero}；加上在留出的训练数字上选出的偏置"
        "（各种子：{best}）后为 {after}，"
        "全部数字为 {after_all}（种子 {seeds}）。",
    },
    "lab.temps": {"en": "Temperatures T", "zh": "温度 T 的取值"},
    "lab.workers": {"en": "Workers", "zh": "并行进程数"},
    "lab.workers_help": {
        "en": "joblib (loky) processes, one torch thread each",
        "zh": "joblib（loky）进程数，每个进程一个 torch 线程",
    },
    "lab.sweep_explain": {
        "en": "**T × γ sweep.** One student (784-128-10) per cell and seed; the heatmap shows the mean test accuracy, the "
        "std over seeds on hover. At γ = 0, T plays no part, so one run per seed serves every T.\n\n"
        "This grid: **{n_runs} runs** of {epochs} epochs, in parallel over {n_jobs} worker(s). "
        "Results are cached on disk, keyed by the grid, epochs and seeds: a finished sweep opens at once. "
        "The same code runs on a Dask or Ray cluster through joblib (see the README).",
        "zh": "**T × γ 扫描。** 每个格子、每个种子训练一个学生模型（784-128-10）；热力图显示平均测试准确率，"
        "鼠标悬停可看各种子间的标准差。γ = 0 时 T 不起作用，所以每个种子一次运行即可用于所有 T。\n\n"
        "这个网格：**{n_runs} 次运行**，每次 {epochs} 轮，由 {n_jobs} 个进程并行。"
        "结果按网格、轮数和种子缓存在磁盘上：已完成的扫描会立即打开。"
        "同样的代码可以通过 joblib 在 Dask 或 Ray 集群上运行（见 README）。",
    },
    "lab.run_again": {"en": "Run again", "zh": "重新运行"},
    "lab.run_sweep": {"en": "Run sweep", "zh": "运行扫描"},
    "lab.sweep_name": {"en": "Sweep", "zh": "扫描"},
    "lab.from_cache": {"en": "Opened from the disk cache.", "zh": "已从磁盘缓存打开。"},
    "lab.sweep_empty": {
        "en": "No finished sweep for this grid yet: press **Run sweep**.",
        "zh": "这个网格还没有完成的扫描：请按 **运行扫描**。",
    },
    "lab.sweep_choose": {"en": "Choose at least one T and one γ.", "zh": "请至少选择一个 T 和一个 γ。"},
    "lab.best_cell": {
        "en": "Best cell: T = {T:g}, γ = {gamma:g}: **{acc}** (seeds {seeds}, {epochs} epochs).",
        "zh": "最佳格子：T = {T:g}，γ = {gamma:g}：**{acc}**（种子 {seeds}，{epochs} 轮）。",
    },
    # ------------------------------------------------------------ pages/6_Your_digit.py
    "mine.title": {"en": "Your digit: draw it, or upload it", "zh": "你的数字：手写或上传"},
    "mine.source": {"en": "Input", "zh": "输入方式"},
    "mine.draw": {"en": "Draw", "zh": "手写"},
    "mine.upload": {"en": "Upload a PNG or JPEG", "zh": "上传 PNG 或 JPEG"},
    "mine.no_canvas": {
        "en": "The drawing canvas is not available here ({error}); upload an image instead.",
        "zh": "这里无法使用手写画布（{error}）；请改为上传图片。",
    },
    "mine.draw_hint": {
        "en": "Draw one digit, large, in the middle. Thick strokes work best.",
        "zh": "在中间写一个大大的数字。笔画粗一些效果最好。",
    },
    "mine.canvas_bad": {
        "en": "the canvas sent an unreadable image; clear it and draw again",
        "zh": "画布传来的图像无法读取；请清空后重新书写",
    },
    "mine.uploader": {"en": "An image of one digit", "zh": "一张只含一个数字的图片"},
    "mine.uploader_help": {
        "en": "At most {mb:.0f} MB and {pixels:,} pixels; a dark digit on light paper or a light one on dark.",
        "zh": "最多 {mb:.0f} MB、{pixels:,} 像素；浅色纸上的深色数字或深色背景上的浅色数字都可以。",
    },
    "mine.explain": {
        "en": "Your image is prepared the way MNIST was made: cropped to the ink, scaled so its longer side is 20 px, "
        "and centred by mass in 28 × 28. Then both models see it. At a higher T, look at the **second** "
        "and **third** bars: which other digits does your drawing resemble?",
        "zh": "你的图像按制作 MNIST 的方式处理：裁剪到笔迹范围，缩放到长边为 20 像素，"
        "再按质心居中放进 28 × 28 的画面。然后交给两个模型。在较高的 T 下，看看**第二**"
        "和**第三**高的柱：你写的数字还像哪些数字？",
    },
    "mine.empty": {
        "en": "Draw a digit on the canvas or upload an image: the processed digit and both models' answers appear here.",
        "zh": "在画布上写一个数字或上传一张图片：处理后的数字和两个模型的回答会显示在这里。",
    },
    "mine.student_run": {"en": "student (your run {run})", "zh": "学生模型（你的第 {run} 次运行）"},
    "mine.student_ref": {"en": "student (reference, 30 epochs)", "zh": "学生模型（参考模型，30 轮）"},
    "mine.input": {"en": "28 × 28 input", "zh": "28 × 28 输入"},
    "mine.teacher_says": {"en": "Teacher says", "zh": "教师模型认为"},
    "mine.student_says": {"en": "Student says", "zh": "学生模型认为"},
    "mine.compare": {"en": "Teacher and student at T = {T:g}", "zh": "T = {T:g} 时的教师模型与学生模型"},
    "mine.nearest": {
        "en": "**The test digits the teacher finds most alike** (closest softened outputs at this T):",
        "zh": "**教师模型认为最相像的测试数字**（在当前 T 下软化输出最接近）：",
    },
    "mine.nearest_caption": {"en": "#{index}, a {label}", "zh": "#{index}，数字 {label}"},
    # ------------------------------------------------------------ kdviz/plots.py
    "plots.chosen_T": {"en": "chosen T", "zh": "所选 T"},
    "plots.chosen": {"en": "chosen", "zh": "所选"},
    "plots.T_log_axis": {"en": "temperature T (log scale)", "zh": "温度 T（对数坐标）"},
    "plots.digit": {"en": "digit", "zh": "数字"},
    "plots.logit": {"en": "logit", "zh": "logit 值"},
    "plots.probability": {"en": "probability", "zh": "概率"},
    "plots.hover_digit": {"en": "digit {digit}: {value}", "zh": "数字 {digit}：{value}"},
    "plots.logits_title": {"en": "Teacher logits z", "zh": "教师模型的 logits z"},
    "plots.softmax_title": {
        "en": "Teacher softmax at T = 1 and at T = {T:g}",
        "zh": "教师模型在 T = 1 与 T = {T:g} 时的 softmax",
    },
    "plots.entropy": {"en": "entropy", "zh": "熵"},
    "plots.bits": {"en": "{value} bits", "zh": "{value} 比特"},
    "plots.uniform": {"en": "uniform: log₂10 = 3.32 bits", "zh": "均匀分布：log₂10 = 3.32 比特"},
    "plots.entropy_axis": {"en": "entropy (bits)", "zh": "熵（比特）"},
    "plots.entropy_title": {"en": "Entropy of the teacher's softmax as T rises", "zh": "教师模型 softmax 的熵随 T 升高的变化"},
    "plots.dk_hover": {"en": "true {true} → {other}: mean p = {p}", "zh": "真实 {true} → {other}：平均 p = {p}"},
    "plots.dk_x": {"en": "probability given to digit", "zh": "给予该数字的概率"},
    "plots.true_digit": {"en": "true digit", "zh": "真实数字"},
    "plots.dk_hidden": {"en": " (diagonal hidden)", "zh": "（隐藏对角线）"},
    "plots.dk_title": {
        "en": "Dark knowledge: the teacher's mean probabilities at T = {T:g}{hidden}",
        "zh": "暗知识：T = {T:g} 时教师模型的平均概率{hidden}",
    },
    "plots.soft": {"en": "soft", "zh": "软损失"},
    "plots.hard": {"en": "hard", "zh": "硬损失"},
    "plots.total": {"en": "total", "zh": "总损失"},
    "plots.soft_formula": {"en": "soft = T²·KL(teacher_T ‖ student_T)", "zh": "软损失 = T²·KL(教师_T ‖ 学生_T)"},
    "plots.hard_formula": {"en": "hard = CE(student, label)", "zh": "硬损失 = CE(学生, 标签)"},
    "plots.total_formula": {
        "en": "total = {gamma:g}·soft + {rest:g}·hard",
        "zh": "总损失 = {gamma:g}·软损失 + {rest:g}·硬损失",
    },
    "plots.loss_axis": {"en": "loss (nats)", "zh": "损失（nats）"},
    "plots.loss_title": {"en": "Losses as T varies (the student fixed)", "zh": "损失随 T 的变化（学生模型固定）"},
    "plots.gamma_axis": {"en": "γ (weight of soft)", "zh": "γ（软损失的权重）"},
    "plots.heatmap_title": {"en": "Total loss over γ and T", "zh": "总损失随 γ 和 T 的变化"},
    "plots.grad_soft_T2": {"en": "soft, with T² (as trained)", "zh": "软损失，乘 T²（训练时所用）"},
    "plots.grad_soft_plain": {"en": "soft, without T²", "zh": "软损失，不乘 T²"},
    "plots.grad_axis": {"en": "‖gradient‖ on the student logits", "zh": "学生模型 logits 上的 ‖梯度‖"},
    "plots.grad_title": {"en": "Why T²: size of each term's gradient", "zh": "为什么乘 T²：各项梯度的大小"},
    "plots.test_acc_axis": {"en": "test accuracy (%)", "zh": "测试准确率（%）"},
    "plots.train_loss_axis": {"en": "training loss (nats)", "zh": "训练损失（nats）"},
    "plots.trace": {"en": "{name}: {what}", "zh": "{name}：{what}"},
    "plots.test_acc_short": {"en": "test acc", "zh": "测试准确率"},
    "plots.teacher": {"en": "teacher", "zh": "教师模型"},
    "plots.distilled": {"en": "distilled", "zh": "蒸馏"},
    "plots.baseline": {"en": "baseline", "zh": "基线"},
    "plots.baseline_g0": {"en": "baseline (γ = 0)", "zh": "基线（γ = 0）"},
    "plots.epoch": {"en": "epoch", "zh": "轮次"},
    "plots.confusion_title": {"en": "Confusion matrix (test)", "zh": "混淆矩阵（测试集）"},
    "plots.confusion_hover": {"en": "true {true}, predicted {pred}: {n}", "zh": "真实 {true}，预测 {pred}：{n}"},
    "plots.predicted": {"en": "predicted", "zh": "预测"},
    "plots.true": {"en": "true", "zh": "真实"},
    "plots.per_class_title": {"en": "Per-class accuracy", "zh": "各类别准确率"},
    "plots.runs_hover": {"en": "run {run} (T = {T}, γ = {gamma}): {acc} %", "zh": "第 {run} 次运行（T = {T}，γ = {gamma}）：{acc} %"},
    "plots.run": {"en": "run", "zh": "运行"},
    "plots.runs_title": {"en": "Runs of this session", "zh": "本次会话的运行"},
    "plots.compare_title": {"en": "Softmax at T = {T:g}", "zh": "T = {T:g} 时的 softmax"},
    "plots.a_test": {"en": "a test {digit}", "zh": "测试数字 {digit}"},
    "plots.your_digit": {"en": "your digit", "zh": "你的数字"},
    "plots.pc1": {"en": "PC 1", "zh": "主成分 1"},
    "plots.pc2": {"en": "PC 2", "zh": "主成分 2"},
    "plots.map_title": {
        "en": "Your digit among the 1,000 test digits (PCA of the teacher's softmax at T = {T:g})",
        "zh": "你的数字在 1,000 个测试数字中的位置（T = {T:g} 时教师模型 softmax 的主成分分析）",
    },
    # ------------------------------------------------------------ kdviz/plots_lab.py
    "plots_lab.seed": {"en": "{n} seed", "zh": "{n} 个种子"},
    "plots_lab.seeds": {"en": "{n} seeds", "zh": "{n} 个种子"},
    "plots_lab.distilled_long": {
        "en": "distilled: labels + teacher's soft targets on every image",
        "zh": "蒸馏：标签 + 教师模型在每张图像上的软目标",
    },
    "plots_lab.distilled": {"en": "distilled", "zh": "蒸馏"},
    "plots_lab.labels_only_long": {
        "en": "labels only (γ = 0 on the labelled digits)",
        "zh": "仅用标签（只在有标签的数字上，γ = 0）",
    },
    "plots_lab.labels_only": {"en": "labels only", "zh": "仅用标签"},
    "plots_lab.teacher": {"en": "teacher", "zh": "教师模型"},
    "plots_lab.fewer_title": {
        "en": "Test accuracy vs labels kept (mean ± std over {seeds})",
        "zh": "测试准确率与保留标签比例（{seeds}的均值 ± 标准差）",
    },
    "plots_lab.fewer_x": {
        "en": "labels kept (% of 4,000 train digits, stratified)",
        "zh": "保留的标签（占 4,000 个训练数字的 %，分层抽样）",
    },
    "plots_lab.test_acc": {"en": "test accuracy (%)", "zh": "测试准确率（%）"},
    "plots_lab.gen0": {"en": "0: labels only", "zh": "0：仅用标签"},
    "plots_lab.gen_k": {"en": "{g}: taught by {prev}", "zh": "{g}：由第 {prev} 代教"},
    "plots_lab.born_again_title": {"en": "Born-again generations ({seeds})", "zh": "再生（Born-again）各代（{seeds}）"},
    "plots_lab.generation": {"en": "generation", "zh": "代"},
    "plots_lab.phase1": {"en": "phase 1", "zh": "第一阶段"},
    "plots_lab.self_distilled": {"en": "self-distilled", "zh": "自蒸馏"},
    "plots_lab.snapshot_taken": {"en": "snapshot taken", "zh": "取快照"},
    "plots_lab.snapshot_title": {
        "en": "Snapshot teaches the last epochs (± std band)",
        "zh": "快照指导最后几轮（阴影为 ± 标准差）",
    },
    "plots_lab.epoch": {"en": "epoch", "zh": "轮次"},
    "plots_lab.teacher_a": {"en": "teacher A", "zh": "教师模型 A"},
    "plots_lab.teacher_b": {"en": "teacher B", "zh": "教师模型 B"},
    "plots_lab.concat": {"en": "teachers concatenated", "zh": "两个教师模型拼接"},
    "plots_lab.merged": {"en": "merged student", "zh": "合并学生模型"},
    "plots_lab.joint": {"en": "joint student", "zh": "联合学生模型"},
    "plots_lab.merge_title": {
        "en": "Per-digit test accuracy (teachers: among their own five digits)",
        "zh": "各数字的测试准确率（教师模型：只在各自的五个数字之间）",
    },
    "plots_lab.true_digit": {"en": "true digit", "zh": "真实数字"},
    "plots_lab.omit_title": {
        "en": "Per-digit test accuracy at bias {bias:g} ({seeds})",
        "zh": "偏置为 {bias:g} 时各数字的测试准确率（{seeds}）",
    },
    "plots_lab.omit_x": {
        "en": "true digit (red: {digit}, never in the transfer set)",
        "zh": "真实数字（红色：{digit}，从未出现在迁移集中）",
    },
    "plots_lab.digit_n": {"en": "digit {digit}", "zh": "数字 {digit}"},
    "plots_lab.all_digits": {"en": "all digits", "zh": "全部数字"},
    "plots_lab.slider": {"en": "slider: {bias:g}", "zh": "滑块：{bias:g}"},
    "plots_lab.best_bias": {
        "en": "chosen on held-out train (seed mean): {bias:.2f}",
        "zh": "在留出的训练数据上选出（种子平均）：{bias:.2f}",
    },
    "plots_lab.bias_title": {
        "en": "Test accuracy vs the bias on digit {digit}'s logit",
        "zh": "测试准确率与数字 {digit} 的 logit 偏置",
    },
    "plots_lab.bias_x": {"en": "bias added to the logit of digit {digit}", "zh": "加到数字 {digit} 的 logit 上的偏置"},
    "plots_lab.acc_pct": {"en": "test acc %", "zh": "测试准确率 %"},
    "plots_lab.sweep_hover": {
        "en": "T = {T}, γ = {gamma}<br>test accuracy {acc} % ± {std}<br>seeds: {n}",
        "zh": "T = {T}，γ = {gamma}<br>测试准确率 {acc} % ± {std}<br>种子数：{n}",
    },
    "plots_lab.sweep_title": {
        "en": "Mean test accuracy over seeds (std on hover)",
        "zh": "各种子的平均测试准确率（悬停查看标准差）",
    },
    "plots_lab.temperature": {"en": "temperature T", "zh": "温度 T"},
    "plots_lab.gamma": {"en": "γ (weight of the soft loss)", "zh": "γ（软损失的权重）"},
    # ------------------------------------------------------------ pages/5_Compression.py
    "comp.page_title": {"en": "compression lab", "zh": "压缩实验室"},
    "comp.title": {"en": "Compression lab", "zh": "压缩实验室"},
    "comp.intro": {
        "en": "The source note names four families of model compression: **pruning and quantization**, **low-rank factorization**, "
        "**compact convolution filters** and **knowledge distillation**. Here each one is applied to the same teacher (or the same "
        "MLP student), and every model is measured the same way: parameters, bytes as saved (safetensors), CPU latency, test accuracy "
        "on the 1,000 test digits, and how long the method took.",
        "zh": "原始笔记把模型压缩分为四类：**剪枝与量化**、**低秩分解**、**紧凑卷积滤波器**和**知识蒸馏**。"
        "这里把每一类方法都用在同一个教师模型（或同一个 MLP 学生模型）上，并用同样的方式测量每个模型："
        "参数量、保存后的字节数（safetensors）、CPU 延迟、在 1,000 个测试数字上的测试准确率，以及方法本身的用时。",
    },
    "comp.failed": {"en": "{label} failed: {error}", "zh": "{label}运行失败：{error}"},
    "comp.progress": {"en": "{label}: {message}", "zh": "{label}：{message}"},
    "comp.settings": {"en": "Settings", "zh": "设置"},
    "comp.preset_quick": {
        "en": "Quick: every method once, 1 seed, tiny training, no fine-tuning (seconds)",
        "zh": "快速：每种方法一次，1 个种子，极少训练，不微调（几秒）",
    },
    "comp.preset_full": {
        "en": "Full: seeds 0, 1, 2, full training, fine-tuning (minutes)",
        "zh": "完整：种子 0、1、2，完整训练，含微调（几分钟）",
    },
    "comp.threads": {"en": "Torch threads for the latency", "zh": "测量延迟用的 torch 线程数"},
    "comp.threads_help": {
        "en": "Fixed for every model; training always uses one thread.",
        "zh": "对每个模型都相同；训练始终只用一个线程。",
    },
    "comp.run_again": {"en": "Run again", "zh": "重新运行"},
    "comp.plan": {
        "en": "{n} models; seeds {seeds}. Results are cached on disk, keyed by these settings, the data and the teacher.",
        "zh": "{n} 个模型；种子 {seeds}。结果按这些设置、数据和教师模型缓存在磁盘上。",
    },
    "comp.empty": {"en": "No comparison for these settings yet: press **Run**.", "zh": "这些设置还没有比较结果：请按 **运行**。"},
    "comp.from_cache": {
        "en": "Opened from the disk cache (computed in {seconds:.0f} s).",
        "zh": "已从磁盘缓存打开（计算用时 {seconds:.0f} 秒）。",
    },
    "comp.x_label": {"en": "Accuracy against", "zh": "准确率对照"},
    "comp.x_size": {"en": "size (dense file)", "zh": "大小（稠密文件）"},
    "comp.x_sparse": {"en": "size (sparse CSR)", "zh": "大小（稀疏 CSR）"},
    "comp.x_latency_1": {"en": "latency, 1 image", "zh": "延迟，1 张图像"},
    "comp.x_latency_256": {"en": "latency, 256 images", "zh": "延迟，256 张图像"},
    "comp.col_method": {"en": "method", "zh": "方法"},
    "comp.col_family": {"en": "family", "zh": "类别"},
    "comp.col_from": {"en": "from", "zh": "基于"},
    "comp.col_params": {"en": "parameters", "zh": "参数量"},
    "comp.col_size": {"en": "size (kB)", "zh": "大小（kB）"},
    "comp.col_csr": {"en": "CSR (kB)", "zh": "CSR 大小（kB）"},
    "comp.col_ms_1": {"en": "ms, 1 image", "zh": "毫秒，1 张图像"},
    "comp.col_ms_256": {"en": "ms, 256 images", "zh": "毫秒，256 张图像"},
    "comp.col_acc": {"en": "test acc (%)", "zh": "测试准确率（%）"},
    "comp.col_seconds": {"en": "seconds", "zh": "用时（秒）"},
    "comp.col_zero": {"en": "zero weights", "zh": "零权重比例"},
    "comp.col_note": {"en": "what it traded", "zh": "得失"},
    "comp.torch_thread": {"en": "{n} torch thread", "zh": "{n} 个 torch 线程"},
    "comp.torch_threads": {"en": "{n} torch threads", "zh": "{n} 个 torch 线程"},
    "comp.table_caption": {
        "en": "Test accuracy: mean ± sample std over {seeds} ({seed_list}); methods on the fixed teacher without "
        "training give the same number every seed. Latency: median of {repeats_1} runs (1 image) and {repeats_256} "
        "runs (256 images) after {warmup} warm-up runs, interleaved across models, {threads}, "
        "quantized engine {engine}. Size: the safetensors file, dense; CSR: float "
        "weights stored as CSR where that is smaller. Seconds: the method's own time (training, fine-tuning, calibration, SVD); "
        "the teacher's is its recorded training time.",
        "zh": "测试准确率：{seeds}（{seed_list}）上的均值 ± 样本标准差；作用于固定教师模型、无需训练的方法，"
        "每个种子得到的数都相同。延迟：先预热 {warmup} 次，再取 {repeats_1} 次运行（1 张图像）和 {repeats_256} "
        "次运行（256 张图像）的中位数，各模型交替测量，{threads}，"
        "量化引擎 {engine}。大小：safetensors 文件，稠密存储；CSR：浮点权重在更小时以 CSR 存储。"
        "用时：方法本身的时间（训练、微调、校准、SVD）；教师模型的是它记录下的训练时间。",
    },
    "comp.trades": {"en": "What each family trades", "zh": "每类方法的得失"},
    "comp.family_line": {"en": "**{family}**: {note}", "zh": "**{family}**：{note}"},
    "comp.rank_header": {"en": "Low-rank student: choose the rank", "zh": "低秩分解的学生模型：选择秩"},
    "comp.rank_empty": {
        "en": "The baseline student is trained by **Run**; the rank slider works on it afterwards.",
        "zh": "基线学生模型由 **运行** 训练；之后秩滑块就作用于它。",
    },
    "comp.rank_slider": {"en": "Rank r of the student's linear layers", "zh": "学生模型线性层的秩 r"},
    "comp.test_acc": {"en": "Test accuracy", "zh": "测试准确率"},
    "comp.params": {"en": "Parameters", "zh": "参数量"},
    "comp.points": {"en": "{delta:+.1f} points", "zh": "{delta:+.1f} 个百分点"},
    "comp.rank_explain": {
        "en": "Rank {rank}: the {n_in} → {n_out} layer becomes {n_in} → {mid} → {n_out} (every layer is "
        "factorised where r is below its smaller side); the first layer's relative error ‖W − W_r‖ / ‖W‖ is "
        "**{error:.3f}**. Unfactorised: {acc:.1f} %, {params:,} parameters (seed {seed}). "
        "Above rank {break_even} the two thin matrices of the first layer hold more numbers than the one they replace.",
        "zh": "秩 {rank}：{n_in} → {n_out} 的层变为 {n_in} → {mid} → {n_out}（凡是 r 小于较短一边的层都会分解）；"
        "第一层的相对误差 ‖W − W_r‖ / ‖W‖ 为 **{error:.3f}**。未分解时：{acc:.1f} %，{params:,} 个参数（种子 {seed}）。"
        "秩高于 {break_even} 时，第一层的两个瘦矩阵所含的数比它们替换的那一个矩阵还多。",
    },
    # ------------------------------------------------------------ kdviz/plots_compress.py (charts, and the lab's labels)
    "plots_compress.f_baseline": {"en": "baseline", "zh": "基线"},
    "plots_compress.f_pruning": {"en": "pruning", "zh": "剪枝"},
    "plots_compress.f_quantization": {"en": "quantization", "zh": "量化"},
    "plots_compress.f_low_rank": {"en": "low-rank", "zh": "低秩分解"},
    "plots_compress.f_compact": {"en": "compact", "zh": "紧凑滤波器"},
    "plots_compress.f_distillation": {"en": "distillation", "zh": "知识蒸馏"},
    "plots_compress.teacher": {"en": "teacher", "zh": "教师模型"},
    "plots_compress.student": {"en": "student", "zh": "学生模型"},
    "plots_compress.note_baseline": {
        "en": "The shipped CNN teacher and the MLP student trained on the labels alone: the two references every other row is made from.",
        "zh": "随附的 CNN 教师模型，以及只用标签训练的 MLP 学生模型：其余每一行都由这两个参照模型得来。",
    },
    "plots_compress.note_pruning": {
        "en": "Zeroes the smallest weights. Unstructured zeros leave the dense file and the dense kernels exactly as big and as slow; "
        "they only pay off stored sparse (CSR), and then only at high sparsity. Per-layer pruning cuts the small first convolution as "
        "hard as the big dense layer; global pruning takes the zeros where the weights are smallest, mostly from the big layer. Pruning "
        "whole channels/units lets the layers be rebuilt smaller: fewer bytes and less time, at some accuracy, which a short fine-tune buys back.",
        "zh": "把最小的权重置零。非结构化的零不会让稠密文件变小，也不会让稠密计算变快；只有以稀疏格式（CSR）存储才有收益，"
        "而且只在稀疏度很高时。逐层剪枝对小小的第一层卷积和大的全连接层剪得一样狠；全局剪枝则在权重最小的地方置零，"
        "大多落在大的那一层。剪掉整个通道/单元可以把各层重建得更小：字节更少、用时更短，代价是一些准确率，短暂的微调能把它挽回。",
    },
    "plots_compress.note_quantization": {
        "en": "Stores weights as int8 (4× fewer bytes than float32). Dynamic: only linear layers, activations quantized on the fly; "
        "static: convolutions too, activation ranges fixed by calibration on train digits, and int8 kernels end to end. "
        "No training; a small accuracy cost from rounding.",
        "zh": "以 int8 存储权重（字节数是 float32 的 1/4）。动态量化：只量化线性层，激活值在运行时量化；"
        "静态量化：卷积层也量化，激活值范围在训练数字上校准后固定，全程使用 int8 计算。"
        "无需训练；舍入带来少量准确率损失。",
    },
    "plots_compress.note_low_rank": {
        "en": "Replaces a weight matrix by a product of two thin ones (truncated SVD), or a k×k convolution by k×1 then 1×k. "
        "Parameters and multiply-adds fall with the rank; accuracy falls when the rank cuts into what the layer uses, and fine-tuning recovers some.",
        "zh": "用两个瘦矩阵的乘积代替一个权重矩阵（截断 SVD），或用 k×1 再接 1×k 代替一个 k×k 卷积。"
        "参数量和乘加次数随秩下降；当秩削到该层真正用到的部分时准确率会下降，微调能挽回一些。",
    },
    "plots_compress.note_compact": {
        "en": "Designs the small model up front: a depthwise-separable convolution (a 3×3 filter per channel, then a 1×1 mix) "
        "costs about 1/8 of a full 3×3 convolution. It must be trained from scratch; the teacher's soft targets help it.",
        "zh": "一开始就设计小模型：深度可分离卷积（每个通道一个 3×3 滤波器，再接一个 1×1 混合）"
        "的开销约为完整 3×3 卷积的 1/8。它必须从头训练；教师模型的软目标对它有帮助。",
    },
    "plots_compress.note_distillation": {
        "en": "Trains a small student on the teacher's softened outputs (T = 4, γ = 0.9). Size and speed are whatever "
        "student you choose; the teacher only costs its logits, computed once.",
        "zh": "让小的学生模型学习教师模型软化后的输出（T = 4，γ = 0.9）。大小和速度取决于你选的学生模型；"
        "教师模型只需付出一次性计算 logits 的代价。",
    },
    "plots_compress.m_teacher": {"en": "teacher (CNN, fp32)", "zh": "教师模型（CNN，fp32）"},
    "plots_compress.m_student": {"en": "student ({arch}, labels only)", "zh": "学生模型（{arch}，仅用标签）"},
    "plots_compress.m_on": {"en": "{base} · {what}", "zh": "{base} · {what}"},
    "plots_compress.m_prune_layer": {"en": "prune per-layer L1 {pct}", "zh": "逐层 L1 剪枝 {pct}"},
    "plots_compress.m_prune_global": {"en": "prune global L1 {pct}", "zh": "全局 L1 剪枝 {pct}"},
    "plots_compress.m_prune_channels": {"en": "prune channels L2 {pct}, rebuilt", "zh": "按通道 L2 剪枝 {pct}，重建"},
    "plots_compress.m_int8_dynamic": {"en": "int8 dynamic (linear layers)", "zh": "int8 动态量化（线性层）"},
    "plots_compress.m_int8_static": {"en": "int8 static (all layers)", "zh": "int8 静态量化（所有层）"},
    "plots_compress.m_svd": {"en": "SVD linear rank {r}", "zh": "线性层 SVD，秩 {r}"},
    "plots_compress.m_conv": {"en": "conv 3×3 → 3×1 + 1×3, rank {r}", "zh": "卷积 3×3 → 3×1 + 1×3，秩 {r}"},
    "plots_compress.m_compact_labels": {"en": "depthwise-separable CNN (labels only)", "zh": "深度可分离 CNN（仅用标签）"},
    "plots_compress.m_compact_distilled": {
        "en": "depthwise-separable CNN (distilled, T={T}, γ={gamma})",
        "zh": "深度可分离 CNN（蒸馏，T={T}，γ={gamma}）",
    },
    "plots_compress.m_distilled": {"en": "distilled MLP {arch}", "zh": "蒸馏得到的 MLP {arch}"},
    "plots_compress.m_finetune": {"en": "{what} + fine-tune {epochs} ep", "zh": "{what} + 微调 {epochs} 轮"},
    "plots_compress.n_reference": {"en": "reference", "zh": "参照"},
    "plots_compress.n_bytes": {"en": "{size:.0%} of the {base}'s bytes", "zh": "字节数为{base}的 {size:.0%}"},
    "plots_compress.n_speed": {"en": "{speed:.2f}× its speed on 256 images", "zh": "256 张图像上的速度为其 {speed:.2f}×"},
    "plots_compress.n_acc": {"en": "{delta:+.1f} points", "zh": "{delta:+.1f} 个百分点"},
    "plots_compress.n_zeros": {
        "en": "{sparsity:.0%} of weights zero; dense file no smaller, CSR {csr:.0%}",
        "zh": "{sparsity:.0%} 的权重为零；稠密文件没有变小，CSR 为 {csr:.0%}",
    },
    "plots_compress.n_removed": {"en": "{removed:.0%} of parameters removed", "zh": "删去了 {removed:.0%} 的参数"},
    "plots_compress.n_sep": {"en": "; ", "zh": "；"},
    "plots_compress.p_seed": {"en": "seed {seed}: {what}", "zh": "种子 {seed}：{what}"},
    "plots_compress.p_student": {"en": "baseline student", "zh": "基线学生模型"},
    "plots_compress.p_timing_1": {"en": "timing every model on 1 image", "zh": "在 1 张图像上为每个模型计时"},
    "plots_compress.p_timing_256": {"en": "timing every model on 256 images", "zh": "在 256 张图像上为每个模型计时"},
    "plots_compress.p_cache": {"en": "read from the cache", "zh": "从缓存读取"},
    "plots_compress.p_done": {"en": "done", "zh": "完成"},
    "plots_compress.x_size": {"en": "size as saved, dense (kB, log scale)", "zh": "保存后的大小，稠密（kB，对数坐标）"},
    "plots_compress.x_sparse": {
        "en": "size with sparse weights stored as CSR (kB, log scale)",
        "zh": "稀疏权重以 CSR 存储时的大小（kB，对数坐标）",
    },
    "plots_compress.x_latency_1": {"en": "CPU latency, 1 image (ms, log scale)", "zh": "CPU 延迟，1 张图像（毫秒，对数坐标）"},
    "plots_compress.x_latency_256": {"en": "CPU latency, 256 images (ms, log scale)", "zh": "CPU 延迟，256 张图像（毫秒，对数坐标）"},
    "plots_compress.x_params": {"en": "parameters (log scale)", "zh": "参数量（对数坐标）"},
    "plots_compress.hover": {
        "en": "<b>{method}</b><br>from the {base}<br>{x}, {y} %<br>{params} parameters",
        "zh": "<b>{method}</b><br>基于{base}<br>{x}，{y} %<br>{params} 个参数",
    },
    "plots_compress.front": {"en": "Pareto front", "zh": "帕累托前沿"},
    "plots_compress.what_size": {"en": "size", "zh": "大小"},
    "plots_compress.what_latency": {"en": "latency", "zh": "延迟"},
    "plots_compress.seed": {"en": "{n} seed", "zh": "{n} 个种子"},
    "plots_compress.seeds": {"en": "{n} seeds", "zh": "{n} 个种子"},
    "plots_compress.thread": {"en": ", {n} thread", "zh": "，{n} 个线程"},
    "plots_compress.threads": {"en": ", {n} threads", "zh": "，{n} 个线程"},
    "plots_compress.pareto_title": {
        "en": "Test accuracy vs {what} (mean ± std over {seeds}{threads})",
        "zh": "测试准确率与{what}（{seeds}的均值 ± 标准差{threads}）",
    },
    "plots_compress.hidden": {"en": "below {floor:g} %, not drawn:", "zh": "低于 {floor:g} %，未画出："},
    "plots_compress.hidden_item": {"en": "{method} ({acc:.1f} %)", "zh": "{method}（{acc:.1f} %）"},
    "plots_compress.test_acc": {"en": "test accuracy (%)", "zh": "测试准确率（%）"},
    "plots_compress.parameters": {"en": "parameters", "zh": "参数量"},
    "plots_compress.unfactorised": {"en": "student, unfactorised", "zh": "学生模型，未分解"},
    "plots_compress.params_unfactorised": {"en": "parameters, unfactorised", "zh": "参数量，未分解"},
    "plots_compress.rank_title": {"en": "Student: truncated SVD of its linear layers", "zh": "学生模型：线性层的截断 SVD"},
    "plots_compress.rank_axis": {"en": "rank r", "zh": "秩 r"},
    # ------------------------------------------------------------ kdviz/digits.py (DigitError, one line for the learner)
    "digits.empty_file": {"en": "the file is empty", "zh": "文件是空的"},
    "digits.too_big": {
        "en": "the file is {mb:.1f} MB; the limit is {limit:.0f} MB",
        "zh": "文件大小为 {mb:.1f} MB；上限是 {limit:.0f} MB",
    },
    "digits.format": {"en": "a {format} file is not supported; upload a PNG or JPEG", "zh": "不支持 {format} 文件；请上传 PNG 或 JPEG"},
    "digits.format_unknown": {
        "en": "a file of unknown format is not supported; upload a PNG or JPEG",
        "zh": "不支持格式未知的文件；请上传 PNG 或 JPEG",
    },
    "digits.too_many_pixels": {
        "en": "the image is {w}×{h} pixels; the limit is {limit:,} pixels",
        "zh": "图像为 {w}×{h} 像素；上限是 {limit:,} 像素",
    },
    "digits.too_small": {
        "en": "the image is {w}×{h} pixels; it needs to be at least 8×8",
        "zh": "图像为 {w}×{h} 像素；至少需要 8×8",
    },
    "digits.animated": {
        "en": "animated images are not supported; upload a single still image",
        "zh": "不支持动图；请上传一张静态图片",
    },
    "digits.unreadable": {"en": "the file is not a readable PNG or JPEG image", "zh": "该文件不是可读取的 PNG 或 JPEG 图片"},
    "digits.damaged": {"en": "the image file is damaged or truncated", "zh": "图片文件已损坏或不完整"},
    "digits.canvas_empty": {"en": "the canvas is empty: draw a digit first", "zh": "画布是空的：请先写一个数字"},
    "digits.canvas_unusable": {"en": "the canvas returned no usable image", "zh": "画布没有返回可用的图像"},
    "digits.blank": {"en": "no ink found: the image is blank", "zh": "没有找到笔迹：图像是空白的"},
    # ------------------------------------------------------------ kdviz/urlstate.py (one line per bad link parameter)
    "url.not_choice": {
        "en": "{name}={value} is not one of {choices}; using the default",
        "zh": "{name}={value} 不是 {choices} 之一；已改用默认值",
    },
    "url.not_number": {"en": "{name}={value} is not a number; using the default", "zh": "{name}={value} 不是数字；已改用默认值"},
    "url.not_whole": {"en": "{name}={value} is not a whole number; using the default", "zh": "{name}={value} 不是整数；已改用默认值"},
    "url.not_finite": {
        "en": "{name}={value} is not a finite number; using the default",
        "zh": "{name}={value} 不是有限的数；已改用默认值",
    },
    "url.outside": {
        "en": "{name}={value} is outside [{low:g}, {high:g}]; using the default",
        "zh": "{name}={value} 超出范围 [{low:g}, {high:g}]；已改用默认值",
    },
}


def fields_of(text: str) -> set[str]:
    """The ``{field}`` names a message uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def specs_of(text: str) -> set[tuple[str, str]]:
    """The ``{field:spec}`` pairs a message uses (both languages must format numbers alike)."""
    return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(text) if name}


def tr(key: str, lang: str = "en", **fields) -> str:
    """The message ``key`` in ``lang`` (falls back to English), formatted with ``fields``."""
    entry = MESSAGES[key]
    return entry.get(lang, entry["en"]).format(**fields)
