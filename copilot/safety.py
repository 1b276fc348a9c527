"""Answers that contradict a safety-critical step of the operator's current instruction are withheld.

A poisoned or outdated document may say "lockout is optional for quick jobs". When the operator's work order
runs an instruction whose safety-critical steps name a safeguard (lockout, guard, light curtain, interlock,
PPE…), any answer sentence that weakens that safeguard ("is optional", "can be skipped", "may be bypassed") is
not shown: the operator gets a pointer to the step instead.
"""

import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from copilot.library import SENTENCE_END, split_sentences

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
# The safeguards' names as the withheld notice names them to the operator (the catalogs translate them).
SAFEGUARD_NAMES = {
    "lockout": gettext_noop("lockout"),
    "guard": gettext_noop("guard"),
    "light curtain": gettext_noop("light curtain"),
    "interlock": gettext_noop("interlock"),
    "two-hand control": gettext_noop("two-hand control"),
    "emergency stop": gettext_noop("emergency stop"),
    "PPE": gettext_noop("PPE"),
    "confined space": gettext_noop("confined space"),
    "ventilation": gettext_noop("ventilation"),
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


# Stored in English (the desk reads it); shown to the operator in their language by `withheld_in`, like the
# copilot's other fixed replies (copilot.answers.FIXED_REPLIES), never machine-translated or streamed in English.
WITHHELD = gettext_noop(
    "Answer withheld: a library source contradicts step %(order)s “%(title)s” of your instruction, a "
    "safety-critical step (%(safeguard)s). Follow step %(order)s as written and tell your supervisor or quality "
    "about the source."
)
WITHHELD_NOTICE = gettext_noop("Withheld: it contradicts safety-critical step %(order)s.")


def _template_pattern(template: str, groups: dict[str, str]) -> re.Pattern[str]:
    """A regular expression matching `template` filled in: each %(name)s once as a group, then as that group."""
    parts, seen = [], set()
    for n, part in enumerate(re.split(r"%\((\w+)\)s", template)):
        if n % 2 == 0:
            parts.append(re.escape(part))
        else:
            parts.append(f"(?P={part})" if part in seen else f"(?P<{part}>{groups[part]})")
            seen.add(part)
    return re.compile("".join(parts), re.DOTALL)


_WITHHELD = _template_pattern(WITHHELD, {"order": r"\d+", "title": r".*?", "safeguard": r"[\w -]+?"})
_WITHHELD_NOTICE = _template_pattern(WITHHELD_NOTICE, {"order": r"\d+"})


def withheld_text(found: Contradiction) -> str:
    return WITHHELD % {"order": found.step_order, "title": found.step_title, "safeguard": found.safeguard}


def withheld_notice(found: Contradiction) -> str:
    return WITHHELD_NOTICE % {"order": found.step_order}


def is_withheld(text: str) -> bool:
    return _WITHHELD.fullmatch(text) is not None


def withheld_in(*, text: str, notice: str, version: object | None, language: str) -> tuple[str, str] | None:
    """A stored (English) withheld answer and its notice in the operator's language, the step titled as their step
    page titles it; None when `text` is not a withheld answer."""
    from instructions import station_hooks  # the station's registries; copilot sits above instructions

    found = _WITHHELD.fullmatch(text)
    if found is None:
        return None
    title = found["title"]
    step = version.steps.filter(order=found["order"]).first() if version is not None else None  # type: ignore[attr-defined]
    if step is not None and step.title == title:
        title = station_hooks.step_title(version=version, step=step, language=language)  # type: ignore[arg-type]
    with translation.override(language or None):
        safeguard = found["safeguard"]
        text = gettext(WITHHELD) % {
            "order": found["order"],
            "title": title,
            "safeguard": gettext(SAFEGUARD_NAMES[safeguard]) if safeguard in SAFEGUARD_NAMES else safeguard,
        }
        said = _WITHHELD_NOTICE.fullmatch(notice)
        if said is not None:
            notice = gettext(WITHHELD_NOTICE) % {"order": said["order"]}
    return text, notice


# Where the final check (`split_sentences`, by lines) splits: after ". " only before a capital, a digit, a quote or
# "(", so "i.e. the lockout" or "approx. once" is one sentence to both; a split counts once that next character is in.
_SENTENCE_END = re.compile(rf"{SENTENCE_END.pattern}|\n")


def stream_release(text: str, shown: int) -> tuple[int, bool]:
    """While an answer streams: how far `text` (received so far) may be shown, and whether to hold the rest.

    Whole sentences go out once checked, and of the sentence still arriving the words up to the last space while
    they name no safeguard and hold no weakening phrase; from the first sentence that weakens a safeguard on,
    nothing more (True): the final check (`contradiction`, which reads the instruction) then decides whether the
    whole answer is withheld, and the final message replaces what was streamed. So an operator never sees, even
    for a moment, a sentence the check may withhold. Text only, no database: it runs per token."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    complete = ends[-1] if ends else 0
    for sentence in (s for line in text[:complete].splitlines() for s in split_sentences(line)):
        if safeguards_of(sentence) and _weakens(sentence):
            return shown, True
    partial = text[complete:]
    cut = max(partial.rfind(" "), partial.rfind("\t"))
    end = complete
    if cut > 0 and not safeguards_of(partial[:cut]) and not WEAKENING.search(partial[:cut]):
        end = complete + cut + 1
    return max(end, shown), False
