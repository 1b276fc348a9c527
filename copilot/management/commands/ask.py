import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from copilot.models import DocType
from copilot.retrieval import SearchFilter
from copilot.services import knowledge_answer
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
            {"number": p.number, "source": p.title, "location": p.location, "type": p.doc_type, "url": p.url}
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
