"""Obtaining, verifying and locating the pkuseg base model.

pkuseg's "mixed" model cannot be downloaded from GitHub here, but the pkuseg 0.0.25 source
distribution on PyPI carries it. We download that archive once, check its sha256, extract only
the two model files, and convert ``features.pkl`` to spacy-pkuseg's ``features.msgpack`` with an
unpickler that refuses every class, so that nothing is ever unpickled at run time.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import srsly

from .errors import Errors, Warnings

PKUSEG_SDIST_URL = (
    "https://files.pythonhosted.org/packages/64/3a/"
    "090a533c7f0682d653633cfd2d33e9aab3e671379fb199aeb7fa9bd3c34a/pkuseg-0.0.25.tar.gz"
)
PKUSEG_SDIST_SHA256 = "dd012bf93689721c9574bc2b2ba98fb4ac22790cec0af354a78e217828b81e91"
_MEMBERS = {
    "pkuseg-0.0.25/pkuseg/models/default/features.pkl": "features.pkl",
    "pkuseg-0.0.25/pkuseg/models/default/weights.npz": "weights.npz",
}
MODEL_FILES = ("features.msgpack", "weights.npz")
ENV_PKUSEG_MODEL = "POLICY_PIPELINE_PKUSEG_MODEL"
ENV_MODELS_DIR = "POLICY_PIPELINE_MODELS"
ENV_PKUSEG_URL = "POLICY_PIPELINE_PKUSEG_URL"


REPO_MODELS = Path(__file__).resolve().parent.parent / "models"


def find_trained_model(model: str | Path, marker: str) -> Path:
    """The folder of a trained model: an absolute path as given; a relative one under the models
    folder, else under the repository's ``models/`` (where the small trained models are
    committed, even when ``POLICY_PIPELINE_MODELS`` points the downloaded ones elsewhere),
    whichever holds ``marker``."""
    path = Path(model)
    if path.is_absolute():
        return path
    for base in (models_dir(), REPO_MODELS):
        if (base / path / marker).exists():
            return base / path
    return models_dir() / path


def models_dir() -> Path:
    """Where downloaded and derived models live (git-ignored)."""
    if os.environ.get(ENV_MODELS_DIR):
        return Path(os.environ[ENV_MODELS_DIR])
    repo = Path(__file__).resolve().parent.parent
    if (repo / "pyproject.toml").exists():
        return repo / "models"
    return Path.home() / ".cache" / "policy-pipeline"


def default_pkuseg_dir() -> Path:
    return models_dir() / "pkuseg-mixed"


def resolve_pkuseg_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The model directory to use: config value, then environment variable, then default."""
    for candidate in (explicit, os.environ.get(ENV_PKUSEG_MODEL)):
        if candidate:
            path = Path(candidate)
            check_pkuseg_dir(path)
            return path
    path = default_pkuseg_dir()
    check_pkuseg_dir(path)
    return path


def check_pkuseg_dir(path: Path) -> None:
    missing = [name for name in MODEL_FILES if not (path / name).exists()]
    if missing:
        raise FileNotFoundError(Errors.E001.format(path=path, missing=", ".join(missing)))


def licence_note(model_dir: Path | None = None) -> None:
    """Print the licence note once per model directory (a marker file remembers it)."""
    marker = (model_dir or default_pkuseg_dir()) / ".licence-noted"
    if marker.exists():
        return
    print(Warnings.W001, file=sys.stderr)
    try:
        marker.touch()
    except OSError:  # a read-only model directory: remind again next time
        pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _PlainDataUnpickler(pickle.Unpickler):
    """Loads only builtin containers and scalars: any class reference is refused."""

    def find_class(self, module: str, name: str):  # noqa: D401
        raise pickle.UnpicklingError(Errors.E004.format(path="features.pkl", name=f"{module}.{name}"))


def convert_features(pkl_bytes: bytes, target: Path) -> None:
    data = _PlainDataUnpickler(io.BytesIO(pkl_bytes)).load()
    expected = {"unigram", "bigram", "feature_to_idx", "tag_to_idx"}
    if not isinstance(data, dict) or set(data) != expected:
        raise ValueError(Errors.E004.format(path=target, name=type(data).__name__))
    # The 1.1M word pairs of "bigram" serve only pkuseg's training-time feature strings; segmenting
    # never reads them (its feature ids come from "unigram" and "feature_to_idx"), and loading
    # them took ~0.7 s of every start. The cut is the same without them (tests/test_models.py).
    srsly.write_msgpack(target, {**data, "bigram": []})


def _download(url: str, dest: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=120) as response, open(dest, "wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as err:  # URLError is an OSError
        raise ConnectionError(Errors.E005.format(url=url, reason=err)) from err


def extract_members(archive: Path, target: Path) -> dict[str, bytes]:
    """Read the model members; refuse any member whose path would escape ``target``."""
    found: dict[str, bytes] = {}
    root = target.resolve()
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if member.name not in _MEMBERS:
                continue
            dest = (root / _MEMBERS[member.name]).resolve()
            if not member.isfile() or root not in dest.parents:
                raise ValueError(Errors.E003.format(member=member.name, archive=archive, target=root))
            fh = tar.extractfile(member)
            assert fh is not None
            found[_MEMBERS[member.name]] = fh.read()
    return found


def ensure_pkuseg_model(target: Path | None = None, *, quiet: bool = False) -> Path:
    """Download, verify and convert the model once; later calls return at once."""
    target = target or default_pkuseg_dir()
    if all((target / name).exists() for name in MODEL_FILES):
        return target
    url = os.environ.get(ENV_PKUSEG_URL, PKUSEG_SDIST_URL)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        archive = Path(tmp) / "pkuseg-0.0.25.tar.gz"
        if not quiet:
            print(f"Downloading pkuseg 0.0.25 sdist (49 MB) from {url}", file=sys.stderr)
        _download(url, archive)
        found = sha256_of(archive)
        if found != PKUSEG_SDIST_SHA256:
            archive.unlink()
            raise ValueError(
                Errors.E002.format(path=archive, found=found, expected=PKUSEG_SDIST_SHA256)
            )
        members = extract_members(archive, Path(tmp))
        staging = Path(tmp) / "model"
        staging.mkdir()
        convert_features(members["features.pkl"], staging / "features.msgpack")
        (staging / "weights.npz").write_bytes(members["weights.npz"])
        provenance = {
            "name": "pkuseg mixed (default) model",
            "source": url,
            "sdist_sha256": PKUSEG_SDIST_SHA256,
            "files": {name: sha256_of(staging / name) for name in MODEL_FILES},
            "licence": Warnings.W001,
        }
        srsly.write_json(staging / "MODEL.json", provenance)
        for name in (*MODEL_FILES, "MODEL.json"):
            os.replace(staging / name, target / name)
    if not quiet:
        print(f"pkuseg model ready in {target}", file=sys.stderr)
        print(json.dumps(provenance["files"], indent=1), file=sys.stderr)
    return target
