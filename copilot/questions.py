"""A question from the station: its context, validation and record, retrieval and the extractive answer."""

import logging
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from copilot import retrieval, safety
from copilot.answers import FIXED_REPLIES, Answer, Passage, extractive_answer
from copilot.index_schema import Hit, SearchFilter
from copilot.models import (
    Conversation,
    CopilotQuestion,
    KnowledgeChunk,
)
from instructions.models import Execution, Step, WorkInstruction
from instructions.readings import spec_text
from languages.answers import answer_translate
from languages.question_terms import question_to_english
from plexcopilot import events
from plexcopilot.services import audit_record

logger = logging.getLogger(__name__)


class QuestionInvalid(ValueError):
    pass


@dataclass
class QuestionContext:
    """Who asks, where, about what. Built from the station session and the step page."""

    employee: Any
    role: str | None
    area: str | None = None
    execution: Execution | None = None
    step: Step | None = None

    def search_filter(self) -> SearchFilter:
        if self.execution is None:
            current = WorkInstruction.objects.exclude(current_version=None).values_list(
                "current_version", flat=True
            )
            return SearchFilter(role=self.role, area=self.area, versions=tuple(current))
        work_order = self.execution.work_order
        return SearchFilter(
            parts=(work_order.part.number,),
            work_centers=(work_order.operation.work_center.code,),
            role=self.role,
            area=self.area,
            versions=(self.execution.version_id,),  # instruction content pinned to this work order's version
        )

    def describe(self) -> str:
        if self.execution is None:
            return ""
        wo = self.execution.work_order
        text = f"work order {wo.number}, part {wo.part.number} {wo.part.name}, operation {wo.operation.sequence} {wo.operation.name}"
        if self.step is not None:
            text += f", step {self.step.order} '{self.step.title}'"
            if self.step.is_measured:
                text += f" (spec {spec_text(self.step)})"
        return text


def passages_for(hits: list[Hit]) -> list[Passage]:
    # Not the document's whole text nor its vector: a long manual would be read on every question.
    chunks = (
        KnowledgeChunk.objects.select_related("document")
        .defer("document__text", "document__vector")
        .order_by()
        .in_bulk([h.chunk_id for h in hits])
    )
    passages = []
    for n, hit in enumerate(hits, start=1):
        chunk = chunks.get(hit.chunk_id)
        if chunk is None:
            continue  # removed since the vector store was written
        document = chunk.document
        if document.media:
            url = reverse("copilot-clip", args=[chunk.pk])
        else:
            url = reverse("copilot-source", args=[chunk.pk]) + f"#p-{chunk.pk}"
        passages.append(
            Passage(
                number=n, chunk_id=chunk.pk, title=document.title, location=chunk.location,
                text=chunk.text, doc_type=document.doc_type, url=url,
                document=document.path or document.source_key, source_url=document.url,
                start=chunk.start_seconds, revision=document.revision if document.upload_name else None,
            )
        )  # fmt: skip
    return passages


def knowledge_search(*, question: str, search_filter: SearchFilter, k: int = 5) -> list[Passage]:
    return passages_for(retrieval.search(question, search_filter, k=k))


def knowledge_answer(*, question: str, search_filter: SearchFilter) -> Answer:
    """The extractive answer, for the CLI and as the fallback of the generative engine."""
    return extractive_answer(question, knowledge_search(question=question, search_filter=search_filter))


@dataclass
class Prepared:
    record: CopilotQuestion
    passages: list[Passage]
    extractive: Answer
    context: str
    spec_sources: list[str]
    execution: Execution | None = None


def safety_checked(answer: Answer, execution: Execution | None) -> Answer:
    """The answer, or a pointer to the step when it contradicts a safety-critical step of the instruction."""
    found = safety.contradiction(answer_text=answer.text, execution=execution)
    if found is None:
        return answer
    return Answer(
        text=safety.withheld_text(found), citations=[], engine=answer.engine, found=False,
        notice=safety.withheld_notice(found), step_url=found.url,
    )  # fmt: skip


def question_text(question: str) -> str:
    """The question as stored: white space runs and NUL bytes (a paste's, a scanner's: PostgreSQL refuses them
    in text) are one space."""
    return " ".join(question.replace("\x00", " ").split())


def question_refusal(*, question: str) -> str | None:
    """Why the question is refused before anything is stored (in English: the panel translates it), or None."""
    question = question_text(question)
    if not question:
        return "Type a question first."
    if len(question) > 500:
        return "That question is too long: keep it under 500 characters."
    return None


def question_prepare(*, context: QuestionContext, question: str) -> Prepared:
    """Validate and store the question, retrieve passages and compose the extractive answer."""
    refusal = question_refusal(question=question)
    if refusal is not None:
        raise QuestionInvalid(refusal)
    question = question_text(question)
    # No indexing here: new versions and NCRs are indexed in the background (copilot.tasks).
    execution = context.execution
    work_order = execution.work_order if execution else None
    conversation, _ = Conversation.objects.get_or_create(work_order=work_order, employee=context.employee)
    record = CopilotQuestion.objects.create(
        conversation=conversation,
        work_order=work_order,
        version=execution.version if execution else None,
        step=context.step,
        step_key=context.step.key if context.step else "",
        operator=context.employee,
        question=question,
    )
    try:
        return _question_retrieve(context=context, record=record)
    except Exception as error:
        # Stored as failed, never left pending: a reconnect would show it as "Thinking…" with a Stop button.
        try:
            question_fail(record=record)
        except Exception:
            logger.exception("copilot question %s could not be marked failed", record.pk)
        raise QuestionFailed(record) from error


def _question_retrieve(*, context: QuestionContext, record: CopilotQuestion) -> Prepared:
    question = record.question
    execution = context.execution
    work_order = execution.work_order if execution else None
    # The library is English: a question in the operator's language is searched in English; the operator
    # keeps seeing (and the record keeps) the question as asked.
    english = question_to_english(question, getattr(context.employee, "language", None))
    if english.how != "original":
        logger.info("copilot question %s searched as %r (%s)", record.pk, english.text, english.how)
    audit_record(
        actor=context.employee.user, action="copilot.question", obj=record,
        summary=f"Asked the copilot: {question[:200]}",
        data={"work_order": work_order.number if work_order else None,
              "step": context.step.order if context.step else None,
              "searched_as": english.text[:500], "translation": english.how},
    )  # fmt: skip
    passages = knowledge_search(question=english.text, search_filter=context.search_filter())
    # Quality's feedback loop counts questions on a step: announced, never read by quality from copilot's tables;
    # only once the question could be searched, so a failure the operator retries is one question, not two.
    events.publish(events.COPILOT_QUESTION_ASKED, question_id=record.pk, version_id=record.version_id,
                   step_key=record.step_key, question=question, asked_at=record.asked_at)  # fmt: skip
    spec_sources = []
    if context.step is not None:
        step = context.step
        spec_sources = [  # with the step's unit: the guard compares quantities, not bare numbers
            f"{v} {step.spec_unit}".strip()
            for v in (step.spec_nominal, step.spec_lower, step.spec_upper)
            if v is not None
        ]
        spec_sources.append(step.text)
    extractive = safety_checked(extractive_answer(english.text, passages), execution)
    return Prepared(record, passages, extractive, context.describe(), spec_sources, execution)


class QuestionFailed(Exception):
    """The question was stored but could not be answered; its record says so (`question_fail`)."""

    def __init__(self, record: CopilotQuestion) -> None:
        super().__init__(f"copilot question {record.pk} could not be answered")
        self.record = record


FAILED_NOTICE = gettext_noop(
    "The copilot could not answer just now. Try again in a moment, or ask your supervisor."
)


def question_fail(*, record: CopilotQuestion) -> CopilotQuestion:
    """End a question that could not be answered: no answer, the retry message as its notice."""
    record.answer = ""
    record.citations = []
    record.engine = "failed"
    record.notice = FAILED_NOTICE
    record.answered_at = timezone.now()
    record.save(update_fields=["answer", "citations", "engine", "notice", "answered_at"])
    return record


def question_finish(*, prepared: Prepared, answer: Answer) -> CopilotQuestion:
    record = prepared.record
    record.answer = answer.text
    record.citations = [
        {
            "number": p.number,
            "chunk_id": p.chunk_id,
            "title": p.title,
            "location": p.location,
            "url": p.url,
            "document": p.document,
            **({"revision": p.revision} if p.revision else {}),
        }  # fmt: skip
        for p in answer.citations
    ]
    record.unverified = answer.unverified
    record.engine = answer.engine
    record.notice = answer.notice[:300]
    record.answered_at = timezone.now()
    record.save(update_fields=["answer", "citations", "unverified", "engine", "notice", "answered_at"])
    # languages: translate (and cache) the answer here, off the event loop; message_context reads the cache.
    if answer.text not in FIXED_REPLIES and not safety.is_withheld(
        answer.text
    ):  # those come from the catalogs
        answer_translate(text=answer.text, language=record.operator.language)
    return record


aquestion_prepare = sync_to_async(question_prepare, thread_sensitive=True)
aquestion_finish = sync_to_async(question_finish, thread_sensitive=True)


def question_context(
    *, user: Any, station_id: int | None, execution_id: int, order: int
) -> QuestionContext | None:
    """The context of a question asked from a station's step page; None when the session may not ask there."""
    from instructions.models import Station
    from plexcopilot.models import Employee
    from plexcopilot.roles import user_role

    if not getattr(user, "is_authenticated", False) or not station_id:
        return None
    employee = Employee.objects.filter(user_id=user.pk, active=True).first()
    station = Station.objects.select_related("work_center").filter(pk=station_id, active=True).first()
    execution = (
        Execution.objects.select_related("work_order__part", "work_order__operation__work_center", "version")
        .filter(pk=execution_id)
        .first()
    )
    if employee is None or station is None or execution is None:
        return None
    if execution.work_order.operation.work_center_id != station.work_center_id:
        return None  # another work center's work: not reachable from this station (instructions.scoping)
    step = execution.version.steps.filter(order=order).first()
    return QuestionContext(
        employee=employee,
        role=user_role(user),
        area=station.work_center.area or None,
        execution=execution,
        step=step,
    )
