"""A labelled CSV of long real text for the triage's cost checks: docstrings of the installed Python packages.

    .venv/bin/python bench/docstrings_csv.py > /tmp/docstrings.csv
    .venv/bin/python manage.py triage_eval --csv /tmp/docstrings.csv --text description --category category \\
        --folds 3 --no-embeddings --json
    .venv/bin/python bench/docstrings_csv.py --short > /tmp/subpackages.csv     # many labels, short text

Each row is one function's or class's docstring (at least MIN_LENGTH characters, whitespace folded, first 1,500
characters) labelled with its top-level package, shuffled with a fixed seed; packages with fewer than 60 such
docstrings are left out. NCR descriptions are shorter; this is how the triage's time and memory behave on
narratives (docs/quality.md, *Long texts*). With `--short`: 4,000 rows of a docstring's first paragraph (15-200
characters, NCR-length) labelled with the sub-package (`scipy.stats`), labels with at least 8 rows (about 200
labels): how it behaves with a root-cause list of hundreds. Nothing of it is stored in the repository or used to
choose anything.
"""

import ast
import csv
import random
import sys
import sysconfig
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

PACKAGES = (
    "numpy", "scipy", "sklearn", "django", "pandas", "sqlalchemy", "chromadb", "llama_index", "PIL", "channels",
    "twisted", "pydantic", "nltk", "sympy", "networkx", "matplotlib", "ortools", "psycopg", "redis", "urllib3",
    "requests", "httpx", "aiohttp", "jinja2", "babel", "onnxruntime", "tokenizers", "huggingface_hub", "pygments",
    "docutils",
)  # fmt: skip
MIN_LENGTH = 300
MIN_PER_PACKAGE = 60
SHORT_PACKAGES = (
    "numpy", "scipy", "sklearn", "django", "pandas", "twisted", "sympy", "networkx", "matplotlib", "chromadb",
    "llama_index", "huggingface_hub", "redis", "pydantic", "ortools", "PIL", "pygments", "docutils",
)  # fmt: skip
MIN_PER_SUBPACKAGE = 8


def documented(root: Path, kinds: tuple[type, ...]) -> Iterator[tuple[Path, str]]:
    """(module path, docstring) of every function or class of `kinds` under `root`, test modules left out."""
    for path in sorted(root.rglob("*.py")):
        if "test" in path.parts[-2] or path.name.startswith("test"):  # test modules and folders
            continue
        try:
            tree = ast.parse(path.read_text(errors="replace"))
        except (SyntaxError, ValueError):  # Python 2 leftovers, NUL bytes
            continue
        for node in ast.walk(tree):
            if isinstance(node, kinds) and (text := ast.get_docstring(node)):  # type: ignore[arg-type]
                yield path, text


def long_rows(site: Path) -> list[tuple[str, str]]:
    """(docstring of MIN_LENGTH or more, first 1,500 characters; package) for packages with MIN_PER_PACKAGE."""
    out = []
    for package in PACKAGES:
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        found = documented(site / package, kinds) if (site / package).is_dir() else iter(())
        texts = [" ".join(text.split())[:1500] for _, text in found if len(text) >= MIN_LENGTH]
        if len(texts) >= MIN_PER_PACKAGE:
            out += [(text, package) for text in texts]
    return out


def short_rows(site: Path) -> list[tuple[str, str]]:
    """(first paragraph of a docstring, 15-200 characters; package.subpackage) for labels with MIN_PER_SUBPACKAGE."""
    out = []
    for package in SHORT_PACKAGES:
        if not (site / package).is_dir():
            continue
        for path, text in documented(site / package, (ast.FunctionDef, ast.ClassDef)):
            first = " ".join(text.split("\n\n")[0].split())[:200]
            if len(first) >= 15:
                out.append((first, ".".join(path.relative_to(site).parts[:2]).removesuffix(".py")))
    counts = Counter(label for _, label in out)
    return [row for row in out if counts[row[1]] >= MIN_PER_SUBPACKAGE]


def main(rows: int = 3000, short: bool = False) -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    found = short_rows(site) if short else long_rows(site)
    random.Random(5 if short else 3).shuffle(found)
    found = found[:rows]
    writer = csv.writer(sys.stdout)
    writer.writerow(["description", "category"])
    writer.writerows(found)
    mean = sum(len(text) for text, _ in found) / max(len(found), 1)
    print(
        f"{len(found)} rows, {mean:.0f} characters on average",
        Counter(p for _, p in found).most_common(12),
        file=sys.stderr,
    )


if __name__ == "__main__":
    short = "--short" in sys.argv[1:]
    numbers = [int(arg) for arg in sys.argv[1:] if arg.isdigit()]
    main(numbers[0] if numbers else 4000 if short else 3000, short)
