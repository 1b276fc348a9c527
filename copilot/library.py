"""Reading library files into titled, located passages: Markdown, plain text, HTML and PDF.

A file may start with a front-matter block of `key: value` lines between `---` lines (Markdown and text) or
carry `<meta name="copilot:KEY" content="...">` tags (HTML): title, type, part, work_center, area, roles.
Without them the document type comes from the folder name (sops/, troubleshooting/, maintenance/, ...).
"""

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from copilot.models import DocType

SUPPORTED = {".md": "md", ".markdown": "md", ".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf"}
MAX_WORDS = 60
FOLDER_TYPES = {
    "sop": DocType.SOP,
    "sops": DocType.SOP,
    "procedures": DocType.SOP,
    "troubleshooting": DocType.TROUBLESHOOTING,
    "maintenance": DocType.MAINTENANCE,
    "maintenance-logs": DocType.MAINTENANCE,
    "corrective-actions": DocType.CORRECTIVE_ACTION,
    "corrective_actions": DocType.CORRECTIVE_ACTION,
    "capa": DocType.CORRECTIVE_ACTION,
}
# Text that tries to steer an assistant. Such sentences are dropped at ingest and never quoted.
INJECTION = re.compile(
    r"ignore (all |any )?(the )?(previous|prior|above|earlier|preceding) (instructions|prompts?|rules)"
    r"|disregard (all |any )?(the )?(previous|prior|above|system)|system prompt|you are now|new instructions:"
    r"|<\s*script|javascript:",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


class UnreadableDocument(ValueError):
    pass


@dataclass
class Passage:
    location: str
    text: str
    start: float | None = None  # video clips: seconds into the clip


@dataclass
class ParsedDocument:
    title: str
    file_format: str
    meta: dict[str, str] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.passages)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text.strip()) if s.strip()]


def strip_instructions_many(texts: list[str]) -> list[tuple[str, int]]:
    """Drop sentences that try to instruct an assistant ("ignore previous instructions…", and paraphrases:
    see copilot.injection) from each text; count them. One classifier batch for every sentence of all the texts
    (ingest passes a whole batch of documents)."""
    from copilot.injection import quarantine_flags

    lines = [[split_sentences(line) for line in text.splitlines()] for text in texts]
    flat = [s for text in lines for sentences in text for s in sentences]
    flags = iter(quarantine_flags(flat))
    out = []
    for text in lines:
        kept_lines, removed = [], 0
        for sentences in text:
            clean = [s for s in sentences if not next(flags) and not INJECTION.search(s)]
            removed += len(sentences) - len(clean)
            if clean:
                kept_lines.append(" ".join(clean))
        out.append(("\n".join(kept_lines), removed))
    return out


def _pack(location: str, paragraphs: list[str]) -> list[Passage]:
    """Group paragraphs into passages of at most MAX_WORDS words, splitting long ones at sentence ends."""
    passages: list[Passage] = []
    current: list[str] = []
    words = 0
    pieces: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph.split()) <= MAX_WORDS:
            pieces.append(paragraph)
        else:
            pieces.extend(split_sentences(paragraph))
    for piece in pieces:
        n = len(piece.split())
        if current and words + n > MAX_WORDS:
            passages.append(Passage(location, "\n".join(current)))
            current, words = [], 0
        current.append(piece)
        words += n
    if current:
        passages.append(Passage(location, "\n".join(current)))
    return passages


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        return {}, text
    meta: dict[str, str] = {}
    for line in text[3:end].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip('"')
    return meta, text[end + 4 :].lstrip("\n")


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        # A list item or table row stands on its own so each stays citable.
        if re.match(r"^([-*+]|\d+[.)]|\|)\s*", stripped) and current:
            paragraphs.append(" ".join(current))
            current = []
        current.append(stripped)
    if current:
        paragraphs.append(" ".join(current))
    return [_clean_markdown(p) for p in paragraphs if _clean_markdown(p)]


def _clean_markdown(paragraph: str) -> str:
    paragraph = re.sub(r"^\|?[\s:|-]+\|?$", "", paragraph)  # table separator rows
    paragraph = re.sub(r"\s*\|\s*", " | ", paragraph).strip(" |")
    paragraph = re.sub(r"[*_`]{1,3}([^*_`]+)[*_`]{1,3}", r"\1", paragraph)
    paragraph = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", paragraph)
    return paragraph.strip()


def parse_markdown(text: str, fallback_title: str) -> ParsedDocument:
    meta, body = _front_matter(text)
    title = meta.get("title", "")
    headings: list[str] = []
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = re.match(r"^(#{1,6})\s+(.*)$", line)
        if match:
            level, heading = len(match.group(1)), _clean_markdown(match.group(2))
            if level == 1 and (not title or heading == title):
                title = heading
                continue
            headings = headings[: max(level - 2, 0)] + [heading]
            sections.append((" › ".join(headings), []))
        else:
            sections[-1][1].append(line)
    doc = ParsedDocument(title=title or fallback_title, file_format="md", meta=meta)
    for location, lines in sections:
        doc.passages.extend(_pack(location, _paragraphs(lines)))
    return doc


def parse_text(text: str, fallback_title: str) -> ParsedDocument:
    meta, body = _front_matter(text)
    doc = ParsedDocument(title=meta.get("title", fallback_title), file_format="txt", meta=meta)
    location = ""
    block: list[str] = []
    for line in body.splitlines() + [""]:
        heading = re.match(r"^(={2,}|#{1,3})\s*(.+?)\s*=*$", line.strip())
        if heading:
            doc.passages.extend(_pack(location, _paragraphs(block)))
            location, block = heading.group(2), []
        else:
            block.append(line)
    doc.passages.extend(_pack(location, _paragraphs(block)))
    return doc


class _HtmlText(HTMLParser):
    BLOCKS = {"p", "li", "tr", "div", "br", "dd", "dt", "pre", "blockquote", "section", "td", "th"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.sections: list[tuple[str, list[str]]] = [("", [])]
        self.headings: list[str] = []
        self.buffer: list[str] = []
        self.skip = 0
        self.in_title = False
        self.heading_level = 0

    def flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.buffer)).strip()
        self.buffer = []
        if not text:
            return
        if self.in_title:
            self.title = text
        elif self.heading_level:
            if self.heading_level == 1 and not self.title:
                self.title = text
            else:
                self.headings = self.headings[: max(self.heading_level - 2, 0)] + [text]
                self.sections.append((" › ".join(self.headings), []))
        else:
            self.sections[-1][1].append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in {"script", "style", "template", "noscript"}:
            self.skip += 1
        elif tag == "meta" and (attributes.get("name") or "").startswith("copilot:"):
            self.meta[(attributes["name"] or "")[8:].lower()] = attributes.get("content") or ""
        elif tag == "meta" and attributes.get("property") == "og:url" and attributes.get("content"):
            self.meta.setdefault("url", attributes.get("content") or "")
        elif (
            tag == "link" and (attributes.get("rel") or "").lower() == "canonical" and attributes.get("href")
        ):
            self.meta["url"] = attributes.get("href") or ""
        elif tag == "title":
            self.flush()
            self.in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.heading_level = int(tag[1])
        elif tag in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template", "noscript"}:
            self.skip = max(self.skip - 1, 0)
        elif tag == "title":
            self.flush()
            self.in_title = False
        elif re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.heading_level = 0
        elif tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.buffer.append(data)


def parse_html(text: str, fallback_title: str) -> ParsedDocument:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    parser.flush()
    meta = parser.meta
    doc = ParsedDocument(
        title=meta.get("title") or parser.title or fallback_title, file_format="html", meta=meta
    )
    for location, paragraphs in parser.sections:
        doc.passages.extend(_pack(location, [html.unescape(p) for p in paragraphs]))
    return doc


def parse_pdf(data: bytes, fallback_title: str) -> ParsedDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or fallback_title
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise UnreadableDocument(f"This PDF could not be read ({error}).") from error
    doc = ParsedDocument(title=str(title), file_format="pdf")
    for number, page in enumerate(pages, start=1):
        paragraphs = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", page)]
        doc.passages.extend(_pack(f"page {number}", [p for p in paragraphs if p]))
    return doc


def parse_file(path: Path, data: bytes | None = None) -> ParsedDocument:
    """Parse one file by its extension; raises UnreadableDocument with a message a person can act on."""
    file_format = SUPPORTED.get(path.suffix.lower())
    if file_format is None:
        raise UnreadableDocument(
            f"{path.name}: unsupported file type; use Markdown, text, HTML or PDF ({', '.join(sorted(SUPPORTED))})."
        )
    raw = path.read_bytes() if data is None else data
    fallback = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    if file_format == "pdf":
        doc = parse_pdf(raw, fallback)
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableDocument(f"{path.name}: not UTF-8 text.") from error
        parser = {"md": parse_markdown, "txt": parse_text, "html": parse_html}[file_format]
        doc = parser(text, fallback)
    if not doc.passages:
        raise UnreadableDocument(f"{path.name}: no text found in this file.")
    if "type" not in doc.meta:
        for folder in reversed(path.parent.parts):
            if folder.lower() in FOLDER_TYPES:
                doc.meta["type"] = FOLDER_TYPES[folder.lower()].value
                break
    return doc
