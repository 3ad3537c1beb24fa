"""How long a document may be, and the size of the pieces long documents are processed in."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# spaCy's own guard (nlp.max_length): a Doc of a million characters takes ~1 GB while it is parsed.
DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_PIECE_CHARS = 1_000_000


@dataclass(frozen=True)
class Limits:
    max_chars: int = DEFAULT_MAX_CHARS  # longer documents get E037
    piece_chars: int = DEFAULT_PIECE_CHARS  # longer documents are processed in pieces

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
