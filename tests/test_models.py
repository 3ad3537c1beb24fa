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
    assert srsly.read_msgpack(tmp_path / "features.msgpack") == data


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
