"""Library sources that are not documents: maintenance work-order logs (CSV) and video clips with transcripts.

Maintenance log: one row per work order; each becomes a document of its own titled
"WO 12345, 2026-03-02, PRS-400", so an answer cites the very work order and the action that fixed the symptom.
Columns are found by name (case and punctuation ignored): work order / wo / number, date, asset / work center /
machine, symptom / problem, cause / root cause, action / fix / repair, downtime (minutes).

Video clip: a video file (or an http(s) URL) with a WebVTT or SRT transcript beside it (`clip.vtt`, or
`clip.srt`); `clip.es.vtt` etc. are translated transcripts. Cues are grouped into passages that start at a
cue's time; a citation opens the clip at that moment. A transcript alone may name its clip on a
`NOTE video: https://...` line, and its title on `NOTE title: ...`.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from copilot.library import ParsedDocument, Passage, UnreadableDocument
from copilot.models import DocType

VIDEO_SUFFIXES = {".mp4", ".webm", ".ogv", ".ogg", ".mov", ".m4v"}
TRANSCRIPT_SUFFIXES = {".vtt", ".srt"}
COLUMNS = {
    "number": ("workorder", "wo", "wonumber", "workordernumber", "number", "id", "wonr", "order"),
    "date": ("date", "opened", "reported", "completed", "closed", "dateopened", "datecompleted"),
    "asset": ("asset", "workcenter", "workcentre", "machine", "equipment", "assetid", "line", "station"),
    "symptom": ("symptom", "problem", "complaint", "issue", "failure", "description", "fault"),
    "cause": ("cause", "rootcause", "reason"),
    "action": ("action", "fix", "repair", "correctiveaction", "actiontaken", "resolution", "remedy", "work"),
    "downtime": ("downtime", "downtimemin", "downtimeminutes", "minutes", "downtimeh", "downtimehours"),
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


@dataclass
class WorkOrderRecord:
    number: str
    date: str
    asset: str
    parsed: ParsedDocument


def parse_maintenance_csv(data: bytes, name: str) -> list[WorkOrderRecord]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableDocument(f"{name}: not UTF-8 text.") from error
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = {_key(h): h for h in reader.fieldnames or []}
    columns = {
        field_name: next((headers[a] for a in aliases if a in headers), None)
        for field_name, aliases in COLUMNS.items()
    }
    if not columns["symptom"] or not columns["action"]:
        raise UnreadableDocument(f"{name}: a maintenance log needs at least symptom and action columns.")
    records = []
    for n, row in enumerate(reader, start=1):

        def get(column: str, row: dict[str, str] = row) -> str:
            header = columns[column]
            return " ".join((row.get(header) or "").split()) if header else ""

        number = get("number") or str(n)
        date, asset = get("date"), get("asset")
        symptom, cause, action, downtime = get("symptom"), get("cause"), get("action"), get("downtime")
        if not symptom and not action:
            continue
        label = ", ".join(x for x in (f"WO {number}", date, asset) if x)
        lines = [f"Symptom: {symptom.rstrip('.')}."]
        if cause:
            lines.append(f"Cause: {cause.rstrip('.')}.")
        if action:
            lines.append(f"Action: {action.rstrip('.')}.")
        if downtime:
            unit = "" if re.search(r"[a-z]", downtime, re.I) else " min"
            lines.append(f"Downtime: {downtime}{unit}.")
        parsed = ParsedDocument(
            title=label,
            file_format="csv",
            meta={"type": DocType.MAINTENANCE.value, "work_center": asset},
            passages=[Passage(label, " ".join(lines))],
        )
        records.append(WorkOrderRecord(number, date, asset, parsed))
    if not records:
        raise UnreadableDocument(f"{name}: no work orders found.")
    return records


# --- Video ------------------------------------------------------------------------------------

CLIP_WORDS = 20  # shorter than document passages: a citation should land within seconds of the moment
TIMESTAMP = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")


@dataclass
class Cue:
    start: float
    text: str


@dataclass
class Transcript:
    cues: list[Cue]
    notes: dict[str, str] = field(default_factory=dict)


def _seconds(match: re.Match[str]) -> float:
    hours, minutes, seconds, fraction = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction.ljust(3, "0")) / 1000


def parse_transcript(text: str) -> Transcript:
    """WebVTT or SRT cues (start time and text), plus `NOTE key: value` lines."""
    transcript = Transcript(cues=[])
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines or lines[0].startswith("WEBVTT"):
            continue
        if lines[0].startswith("NOTE"):
            for line in lines:
                key, sep, value = line.removeprefix("NOTE").strip().partition(":")
                if sep and key.strip():
                    transcript.notes[key.strip().lower()] = value.strip()
            continue
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        match = TIMESTAMP.search(lines[timing].split("-->")[0])
        words = " ".join(re.sub(r"<[^>]+>", "", line) for line in lines[timing + 1 :]).strip()
        if match and words:
            transcript.cues.append(Cue(_seconds(match), words))
    return transcript


def to_webvtt(text: str) -> str:
    """An SRT transcript as WebVTT (what <track> plays); WebVTT is returned as it is."""
    if text.lstrip("\ufeff").startswith("WEBVTT"):
        return text
    body = re.sub(r"(\d{2}:\d{2}:\d{2}),(\d{3})", r"\1.\2", text.replace("\r\n", "\n"))
    return "WEBVTT\n\n" + body


def clock(seconds: float) -> str:
    whole = int(seconds)
    hours, minutes, secs = whole // 3600, whole // 60 % 60, whole % 60
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def transcript_passages(transcript: Transcript) -> list[Passage]:
    """Cues grouped into passages of at most CLIP_WORDS words, each starting at its first cue."""
    passages: list[Passage] = []
    current: list[Cue] = []
    words = 0
    for cue in transcript.cues:
        n = len(cue.text.split())
        if current and words + n > CLIP_WORDS:
            passages.append(
                Passage(f"at {clock(current[0].start)}", " ".join(c.text for c in current), current[0].start)
            )
            current, words = [], 0
        current.append(cue)
        words += n
    if current:
        passages.append(
            Passage(f"at {clock(current[0].start)}", " ".join(c.text for c in current), current[0].start)
        )
    return passages


@dataclass
class Clip:
    parsed: ParsedDocument
    media: str
    tracks: dict[str, str]


def transcripts_beside(video: Path) -> dict[str, Path]:
    """`clip.vtt` / `clip.srt` (language "" = the clip's own) and `clip.es.vtt`… beside a video file."""
    found: dict[str, Path] = {}
    for candidate in sorted(video.parent.glob(f"{video.stem}.*")):
        if candidate.suffix.lower() not in TRANSCRIPT_SUFFIXES:
            continue
        middle = candidate.name[len(video.stem) : -len(candidate.suffix)].strip(".")
        if not middle:
            found.setdefault("", candidate)
        elif re.fullmatch(r"[a-z]{2}(-[A-Za-z]{2})?", middle):
            found[middle] = candidate
    return found


def parse_clip(
    *, media: str, transcript: Path, translations: dict[str, Path] | None = None, fallback_title: str
) -> Clip:
    text = transcript.read_text(encoding="utf-8-sig")
    parsed_transcript = parse_transcript(text)
    if not parsed_transcript.cues:
        raise UnreadableDocument(f"{transcript.name}: no cues found in this transcript.")
    notes = parsed_transcript.notes
    language = notes.get("language", "en")[:5]
    parsed = ParsedDocument(
        title=notes.get("title") or fallback_title,
        file_format="video",
        meta={k: notes[k] for k in ("type", "part", "work_center", "area", "roles") if k in notes},
        passages=transcript_passages(parsed_transcript),
    )
    if media.startswith(("http://", "https://")):
        parsed.meta["url"] = media
    tracks = {language: to_webvtt(text)}
    for lang, path in (translations or {}).items():
        tracks[lang] = to_webvtt(path.read_text(encoding="utf-8-sig"))
    return Clip(parsed, media, tracks)
