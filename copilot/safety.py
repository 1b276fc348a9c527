"""Answers that contradict a safety-critical step of the operator's current instruction are withheld.

A poisoned or outdated document may say "lockout is optional for quick jobs". When the operator's work order
runs an instruction whose safety-critical steps name a safeguard (lockout, guard, light curtain, interlock,
PPE…), any answer sentence that weakens that safeguard ("is optional", "can be skipped", "may be bypassed") is
not shown: the operator gets a pointer to the step instead.
"""

import re
from dataclasses import dataclass

from django.urls import reverse

from copilot.library import split_sentences

# Safeguards and the words that name them in a step and in an answer.
SAFEGUARDS = {
    "lockout": r"lock[- ]?out|lock(ed)? out|loto|lock and tag|zero energy|isolat(e|ion)|energy source",
    "guard": r"guards?|guarding|guard door|fence",
    "light curtain": r"light curtains?|safety curtain|presence sensing",
    "interlock": r"interlocks?|door switch|safety switch",
    "two-hand control": r"two[- ]hand",
    "emergency stop": r"e-?stop|emergency stop",
    "PPE": r"ppe|gloves?|safety glasses|goggles|face shield|hearing protection|ear (plugs|defenders)|helmet|hard hat"
    r"|respirator|safety shoes|apron",
    "confined space": r"confined space|permit",
    "ventilation": r"fume extraction|ventilation|extraction",
}
_SAFEGUARD = {name: re.compile(rf"\b({words})\b", re.IGNORECASE) for name, words in SAFEGUARDS.items()}
WEAKENING = re.compile(
    r"\b((is|are|'s) (now )?(optional|not (required|needed|necessary|mandatory)|unnecessary|only a recommendation)"
    r"|(no|without any) need (to|for)|(do not|don't|doesn't|does not|never) (need|have) to"
    r"|(can|may|could|is fine to|is ok(ay)? to|it's fine to|feel free to) (be )?(skip|skipped|bypass|bypassed|ignore"
    r"|ignored|remove|removed|disable|disabled|mute|muted|defeat|defeated|jump|jumped|bridge|bridged|tape|taped"
    r"|leave|left|omit|omitted|wait|open|opened|override|overridden|switch(ed)? off|turn(ed)? off)"
    r"|(skip|bypass|disable|mute|defeat|bridge|omit)(ping|ing)? (the |your |this )?"
    r"|(run|operate|work|enter|reach in|continue)( \w+){0,3} without)",
    re.IGNORECASE,
)
NEGATED = re.compile(
    r"\b(never|do not|don't|must not|mustn't|should not|shouldn't|not allowed to|cannot|can't)\b[\w\s]{0,20}$",
    re.I,
)


@dataclass
class Contradiction:
    step_order: int
    step_title: str
    safeguard: str
    sentence: str
    url: str


def safeguards_of(text: str) -> set[str]:
    return {name for name, pattern in _SAFEGUARD.items() if pattern.search(text)}


def _weakens(sentence: str) -> bool:
    return any(not NEGATED.search(sentence[: m.start()]) for m in WEAKENING.finditer(sentence))


def contradiction(*, answer_text: str, execution: object | None) -> Contradiction | None:
    """The first answer sentence that weakens a safeguard one of the current instruction's safety-critical
    steps names, with that step; None when there is none (or no instruction)."""
    if execution is None:
        return None
    sentences = [
        (sentence, named)
        for sentence in (s for line in answer_text.splitlines() for s in split_sentences(line))
        if (named := safeguards_of(sentence)) and _weakens(sentence)
    ]
    if not sentences:  # the usual case: no database query on the question's path
        return None
    steps = [
        s
        for s in execution.version.steps.order_by("order")  # type: ignore[attr-defined]
        if s.safety_critical
    ]
    if not steps:
        return None
    guarded = [(step, safeguards_of(f"{step.title} {step.text} {step.caution or ''}")) for step in steps]
    for sentence, named in sentences:
        for step, safeguards in guarded:
            both = named & safeguards
            if both:
                url = reverse("station-step", args=[execution.pk, step.order])  # type: ignore[attr-defined]
                return Contradiction(step.order, step.title, sorted(both)[0], sentence, url)
    return None


def withheld_text(found: Contradiction) -> str:
    return (
        f"Answer withheld: a library source contradicts step {found.step_order} “{found.step_title}” of your "
        f"instruction, a safety-critical step ({found.safeguard}). Follow step {found.step_order} as written and "
        "tell your supervisor or quality about the source."
    )
