import io
import pickle
import tarfile

import pytest
import srsly

from pipeline import models


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_convert_features_writes_msgpack(tmp_path):
    data = {"unigram": ["a"], "bigram": ["ab"], "feature_to_idx": {"a": 0}, "tag_to_idx": {"B": 0}}
    models.convert_features(pickle.dumps(data), tmp_path / "features.msgpack")
    assert srsly.read_msgpack(tmp_path / "features.msgpack") == {**data, "bigram": []}


def test_segmenting_does_not_read_the_word_pairs(nlp, seed_text):
    """convert_features drops "bigram": pkuseg's cut must not depend on it."""
    seg = nlp.tokenizer.pkuseg_seg
    lines = [line for line in seed_text.splitlines() if line.strip()][:40]
    saved = seg.feature_extractor.bigram
    try:
        seg.feature_extractor.bigram = {"司法*行政", "法治*政府"}
        with_pairs = [seg.cut(line) for line in lines]
        seg.feature_extractor.bigram = set()
        assert [seg.cut(line) for line in lines] == with_pairs
    finally:
        seg.feature_extractor.bigram = saved


def test_convert_features_refuses_any_class(tmp_path):
    with pytest.raises(pickle.UnpicklingError, match="E004"):
        models.convert_features(pickle.dumps(Evil()), tmp_path / "features.msgpack")


def _tar_with(tmp_path, name, *, symlink=False):
    archive = tmp_path / "a.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        if symlink:
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
        else:
            info.size = 3
            tar.addfile(info, io.BytesIO(b"abc"))
    return archive


def test_extract_reads_only_model_members(tmp_path):
    archive = _tar_with(tmp_path, "pkuseg-0.0.25/pkuseg/models/default/weights.npz")
    assert models.extract_members(archive, tmp_path / "out") == {"weights.npz": b"abc"}


def test_extract_refuses_links(tmp_path):
    archive = _tar_with(tmp_path, "pkuseg-0.0.25/pkuseg/models/default/weights.npz", symlink=True)
    with pytest.raises(ValueError, match="E003"):
        models.extract_members(archive, tmp_path / "out")


def test_checksum_mismatch_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "_download", lambda url, dest: dest.write_bytes(b"not the sdist"))
    with pytest.raises(ValueError, match="E002"):
        models.ensure_pkuseg_model(tmp_path / "m", quiet=True)
    assert not (tmp_path / "m" / "weights.npz").exists()


def test_user_directory_takes_precedence(tmp_path, monkeypatch):
    for name in models.MODEL_FILES:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv(models.ENV_PKUSEG_MODEL, str(tmp_path))
    assert models.resolve_pkuseg_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match="E001"):
        models.resolve_pkuseg_dir(tmp_path / "missing")
