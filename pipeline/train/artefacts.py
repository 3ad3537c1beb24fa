"""Installing a freshly trained spaCy pipeline into its models folder."""

from __future__ import annotations

import shutil
from pathlib import Path


def install_artefact(source: Path, output_dir: Path) -> None:
    """Replace the pipeline files in ``output_dir`` with those of ``source``; other files there
    (model cards, hand checks) stay."""
    output_dir.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        target = output_dir / item.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            shutil.copy2(item, target)
