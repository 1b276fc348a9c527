"""A labelled CSV of long real text for the triage's cost checks: docstrings of the installed Python packages.

    .venv/bin/python bench/docstrings_csv.py > /tmp/docstrings.csv
    .venv/bin/python manage.py triage_eval --csv /tmp/docstrings.csv --text description --category category \\
        --folds 3 --no-embeddings --json

Each row is one function's or class's docstring (at least MIN_LENGTH characters, whitespace folded, first 1,500
characters) labelled with its top-level package, shuffled with a fixed seed; packages with fewer than 60 such
docstrings are left out. NCR descriptions are shorter; this is how the triage's time and memory behave on
narratives (docs/quality.md, *Long texts*). Nothing of it is stored in the repository or used to choose anything.
"""

import ast
import csv
import random
import sys
import sysconfig
from collections import Counter
from pathlib import Path

PACKAGES = (
    "numpy", "scipy", "sklearn", "django", "pandas", "sqlalchemy", "chromadb", "llama_index", "PIL", "channels",
    "twisted", "pydantic", "nltk", "sympy", "networkx", "matplotlib", "ortools", "psycopg", "redis", "urllib3",
    "requests", "httpx", "aiohttp", "jinja2", "babel", "onnxruntime", "tokenizers", "huggingface_hub", "pygments",
    "docutils",
)  # fmt: skip
MIN_LENGTH = 300
MIN_PER_PACKAGE = 60


def docstrings(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        if "test" in path.parts[-2] or path.name.startswith("test"):  # test modules and folders
            continue
        try:
            tree = ast.parse(path.read_text(errors="replace"))
        except (SyntaxError, ValueError):  # Python 2 leftovers, NUL bytes
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                text = ast.get_docstring(node)
                if text and len(text) >= MIN_LENGTH:
                    out.append(" ".join(text.split())[:1500])
    return out


def main(rows: int = 3000) -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    found = []
    for package in PACKAGES:
        texts = docstrings(site / package) if (site / package).is_dir() else []
        if len(texts) >= MIN_PER_PACKAGE:
            found += [(text, package) for text in texts]
    random.Random(3).shuffle(found)
    found = found[:rows]
    writer = csv.writer(sys.stdout)
    writer.writerow(["description", "category"])
    writer.writerows(found)
    mean = sum(len(text) for text, _ in found) / max(len(found), 1)
    print(
        f"{len(found)} rows, {mean:.0f} characters on average", Counter(p for _, p in found), file=sys.stderr
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
