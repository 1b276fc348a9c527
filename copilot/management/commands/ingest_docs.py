from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from copilot.library import UnreadableDocument
from copilot.library_files import clip_url_source, library_ingest_paths


class Command(BaseCommand):
    help = (
        "Ingest SOPs, troubleshooting guides, maintenance logs (CSV of work orders) and video clips with their "
        "WebVTT/SRT transcripts (files, folders or clip URLs)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="+",
            help="Markdown, text, HTML or PDF files, maintenance-log CSVs, video files (transcript beside them: "
            "clip.vtt / clip.srt, translations clip.es.vtt), folders (recursive), or http(s) clip URLs",
        )
        parser.add_argument(
            "--transcript",
            action="append",
            default=[],
            help="the transcript of a clip URL (one per URL, in order); LANG=PATH adds a translated one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        urls = [p for p in options["paths"] if p.startswith(("http://", "https://"))]
        paths = [Path(p) for p in options["paths"] if p not in urls]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"Not found: {', '.join(missing)}")
        own = [t for t in options["transcript"] if "=" not in t]
        translations = {
            lang: Path(path)
            for lang, _sep, path in (t.partition("=") for t in options["transcript"] if "=" in t)
        }
        if len(own) != len(urls):
            raise CommandError("Give one --transcript (WebVTT or SRT) for each clip URL.")
        try:
            clips = [
                clip_url_source(url=url, transcript=Path(transcript), translations=translations)
                for url, transcript in zip(urls, own, strict=True)
            ]
        except (UnreadableDocument, OSError) as error:
            raise CommandError(str(error)) from error
        report = library_ingest_paths(paths=paths, progress=self.stdout.write, extra=clips)
        for message in report.errors or []:
            self.stderr.write(message)
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
                f"{report.removed} removed; {report.chunks} passages indexed."
            )
        )
