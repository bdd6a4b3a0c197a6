"""Compute the shipped Fashion-MNIST teacher's logits on its 70,000 images, and the app's reference student
(:func:`kdviz.train.reference.student_states`, trained on them), and ship both in ``kdviz/assets``.

    python benchmarks/ship_logits.py

The file is what :func:`kdviz.train.resources.cached_teacher_logits` writes to the cache, under the same name (the
teacher's sha256 and the data's fingerprint), so it is read only for that teacher and those files; it is checked
(shapes, checksum) on every read. ``tests/test_fashion_switch.py`` recomputes a sample of its rows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from kdviz.base.diskcache import save_arrays
from kdviz.data import datasets
from kdviz.train.reference import student_states
from kdviz.train.resources import SHIPPED_LOGITS, load_resources

if __name__ == "__main__":
    res = load_resources(dataset="fashion-mnist", use_cache=False)  # its logits computed now, from the teacher
    logits = res.logits
    path = SHIPPED_LOGITS / f"teacher-logits-{res.teacher_meta['sha256'][:16]}-{res.data.fingerprint}.npz"
    save_arrays(path, train=logits.train.numpy(), test=logits.test.numpy())
    print(path, f"{path.stat().st_size / 1e6:.1f} MB", datasets.dataset("fashion-mnist").teacher.name)
    with tempfile.TemporaryDirectory() as tmp:  # the file student_states writes to an empty cache, into kdviz/assets
        os.environ["KDVIZ_CACHE_DIR"] = tmp
        student_states(res, full_epochs=datasets.student_epochs(res.dataset, len(res.data.y_train)))
        for f in Path(tmp).glob("reference-student-*.npz"):
            shutil.copyfile(f, SHIPPED_LOGITS / f.name)
            print(SHIPPED_LOGITS / f.name, f"{f.stat().st_size / 1e6:.1f} MB")
