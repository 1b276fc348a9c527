import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from copilot.index_schema import SearchFilter
from copilot.models import DocType
from copilot.questions import knowledge_answer
from instructions.models import WorkInstruction


class Command(BaseCommand):
    help = 'Ask the copilot a question from the command line: manage.py ask "QUESTION" [--json].'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question")
        parser.add_argument("--json", action="store_true", help="print the answer and citations as JSON")
        parser.add_argument(
            "--part", action="append", default=[], help="only this part (and general documents)"
        )
        parser.add_argument("--work-center", action="append", default=[], dest="work_center")
        parser.add_argument("--type", action="append", default=[], dest="doc_type", choices=DocType.values)

    def handle(self, *args: Any, **options: Any) -> None:
        current = WorkInstruction.objects.exclude(current_version=None).values_list(
            "current_version", flat=True
        )
        search_filter = SearchFilter(
            parts=tuple(options["part"]),
            work_centers=tuple(options["work_center"]),
            doc_types=tuple(options["doc_type"]),
            versions=tuple(current),
        )
        answer = knowledge_answer(question=options["question"], search_filter=search_filter)
        citations = [
            {
                "number": p.number,
                "document": p.document,  # path relative to the library folder it was ingested from
                "title": p.title,
                **({"version": p.revision} if p.revision else {}),  # uploads: the version cited
                "section": p.location,
                "url": p.source_url or p.url,  # the source's own address, else its page in the app
                "link": p.url,  # the app page opened at the passage (a clip at the cited moment)
                "type": p.doc_type,
                "chunk_id": p.chunk_id,
                **({"start_seconds": p.start} if p.start is not None else {}),
                "source": p.title,
                "location": p.location,
            }
            for p in answer.citations
        ]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"answer": answer.text, "found": answer.found, "citations": citations},
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(answer.text)
        if citations:
            self.stdout.write("")
        for c in citations:
            self.stdout.write(f"[{c['number']}] {c['source']} — {c['location'] or 'whole document'}")
