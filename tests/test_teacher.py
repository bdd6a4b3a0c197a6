"""The shipped teacher: accuracy, safetensors only, and clear errors for bad files."""

import json
import shutil

import pytest
import torch

from kdviz import TEACHER_PATH, TeacherError, load_teacher
from kdviz.maths.metrics import accuracy
from kdviz.train.teacher import REBUILD_COMMAND


def test_shipped_teacher_accuracy(res):
    acc = accuracy(res.logits.test.argmax(1), res.data.y_test)
    assert acc >= 0.975
    assert acc == pytest.approx(res.teacher_meta["test_acc"], abs=1e-6)
    assert res.teacher_meta["split_fingerprint"] == res.data.fingerprint
    assert res.teacher_meta["command"] == REBUILD_COMMAND


def test_weights_are_safetensors_not_pickle():
    head = TEACHER_PATH.read_bytes()[:16]
    n = int.from_bytes(head[:8], "little")
    header = json.loads(TEACHER_PATH.read_bytes()[8 : 8 + n])
    assert all(v["dtype"] == "F32" for k, v in header.items() if k != "__metadata__")
    assert not head.startswith(b"PK") and head[:2] != b"\x80\x02"  # neither torch.save's zip nor a pickle


def test_teacher_is_frozen(res):
    assert not res.teacher.training
    assert all(not p.requires_grad for p in res.teacher.parameters())


@pytest.fixture()
def copy(tmp_path):
    dst = tmp_path / "teacher.safetensors"
    shutil.copy(TEACHER_PATH, dst)
    shutil.copy(TEACHER_PATH.with_suffix(".json"), dst.with_suffix(".json"))
    return dst


def _one_line_error(path, **kw):
    with pytest.raises(TeacherError) as info:
        load_teacher(path, **kw)
    msg = str(info.value)
    named = str(path) in msg or str(path.with_suffix(".json")) in msg
    assert "\n" not in msg and named and REBUILD_COMMAND in msg
    return msg


def test_missing_file(tmp_path):
    assert "not found" in _one_line_error(tmp_path / "nope.safetensors")


def test_truncated_file(copy):
    copy.write_bytes(copy.read_bytes()[:1000])
    assert "truncated" in _one_line_error(copy)


def test_mismatched_architecture(copy):
    meta_path = copy.with_suffix(".json")
    meta = json.loads(meta_path.read_text())
    meta["architecture"]["channels"] = [16, 32]
    meta_path.write_text(json.dumps(meta))
    assert "do not match" in _one_line_error(copy)


def test_other_split(copy, data):
    import dataclasses

    other = dataclasses.replace(data, fingerprint="0" * 16)
    assert "another data split" in _one_line_error(copy, data=other)


def test_bad_metadata(copy):
    copy.with_suffix(".json").write_text("{not json")
    assert "not valid" in _one_line_error(copy)


def test_load_never_trains(copy, monkeypatch):
    monkeypatch.setattr(torch.optim.Adam, "step", lambda *a, **k: pytest.fail("load_teacher trained"))
    model, meta = load_teacher(copy)
    assert meta["test_acc"] >= 0.975
