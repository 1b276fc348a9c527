"""What the knowledge index holds per chunk and how it is asked: the indexed text, the search filter, a hit."""

from dataclasses import dataclass, field

CANDIDATES = 20


@dataclass(frozen=True)
class SearchFilter:
    """What may be retrieved. Empty tuples mean "no restriction"."""

    parts: tuple[str, ...] = ()  # a chunk passes if its part is one of these or blank
    work_centers: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    role: str | None = None  # None: no role restriction (CLI, admins)
    area: str | None = None
    versions: tuple[int, ...] | None = None  # instruction versions allowed; None: any


@dataclass
class Hit:
    chunk_id: int
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


def index_text(*, title: str, location: str, text: str) -> str:
    """What is embedded and BM25-indexed: the passage with its title and location for context."""
    return f"{title}. {location}. {text}" if location else f"{title}. {text}"
