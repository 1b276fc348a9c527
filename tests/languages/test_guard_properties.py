"""Property tests: glossary terms, numbers and units survive translation, or the English is kept and flagged."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from languages.guards import guard_check, numbers_in, quantities_in, sentences_split
from languages.models import GlossaryTerm
from languages.pipeline import text_translate
from tests.languages.fakes import serve, word_translate

pytestmark = pytest.mark.django_db

WORDS = [
    "check",
    "the",
    "die",
    "torque",
    "bolts",
    "keep",
    "press",
    "wear",
    "gloves",
    "measure",
    "hole",
    "clamp",
    "rail",
]
UNITS = ["mm", "N·m", "kN", "bar", "°C", "%", "L/min", "kA", "t"]
TERMS = {"light curtain": "cortina de luz", "die setter": "preparador de troqueles", "Plex": "Plex"}

number = st.builds(
    lambda whole, frac: f"{whole}.{frac}" if frac else str(whole),
    st.integers(0, 99999),
    st.one_of(st.none(), st.from_regex(r"[0-9]{1,3}", fullmatch=True)),
)
quantity = st.builds(lambda n, u: f"{n} {u}", number, st.sampled_from(UNITS))
code = st.from_regex(r"[A-Z]{1,3}-[0-9]{2,4}(-[A-Z])?", fullmatch=True)
token = st.one_of(st.sampled_from(WORDS), number, quantity, code, st.sampled_from(sorted(TERMS)))
sentence = st.lists(token, min_size=1, max_size=12).map(lambda tokens: " ".join(tokens) + ".")
HYPOTHESIS = hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def glossary(db):
    for term, rendering in TERMS.items():
        GlossaryTerm.objects.create(
            term=term,
            language="es" if rendering != term else "",
            translation=rendering if rendering != term else "",
        )


@pytest.fixture(scope="module")
def faithful_engine():
    with serve("libretranslate") as fake:
        yield fake


@pytest.fixture(scope="module")
def mangling_engine():
    with serve("libretranslate", mangle) as fake:
        yield fake


def terms_in(text: str) -> list[str]:
    lowered = text.lower()
    return [rendering for term, rendering in TERMS.items() if term.lower() in lowered]


@HYPOTHESIS
@given(text=sentence)
def test_it_carries_every_number_unit_and_term_through_a_faithful_engine(
    settings, glossary, faithful_engine, text
):
    settings.LIBRETRANSLATE_URL = faithful_engine.url
    result = text_translate(text=text, target="es")
    assert not result.flagged and not result.untranslated
    assert guard_check(source=text, target=result.text, required_terms=terms_in(text)).ok
    assert numbers_in(text) <= numbers_in(result.text)
    assert quantities_in(text) <= quantities_in(result.text)


def mangle(text: str) -> str:
    """An engine that garbles digits and drops percent signs now and then."""
    return word_translate(text).replace("7", "1").replace("%", "")


@HYPOTHESIS
@given(text=sentence)
def test_it_never_shows_a_machine_sentence_that_lost_a_number(settings, glossary, mangling_engine, text):
    settings.LIBRETRANSLATE_URL = mangling_engine.url
    result = text_translate(text=text, target="es")
    for segment in result.segments:
        if segment.origin == "machine":
            assert guard_check(
                source=segment.source, target=segment.text, required_terms=terms_in(segment.source)
            ).ok
        else:
            assert segment.text == segment.source  # flagged (or verbatim): the English, whole


def test_it_flags_a_mangled_number_outside_codes(settings, glossary, mangling_engine):
    settings.LIBRETRANSLATE_URL = mangling_engine.url
    result = text_translate(text="torque the bolts to 17 N·m on A-07.", target="es")
    assert result.flagged and result.text == "torque the bolts to 17 N·m on A-07."


@given(parts=st.lists(sentence, min_size=1, max_size=5))
def test_it_splits_sentences_without_breaking_a_number_or_code(parts):
    text = " ".join(parts)
    pieces = sentences_split(text)
    assert " ".join(pieces) == text
    assert sum((numbers_in(p) for p in pieces), start=numbers_in("")) == numbers_in(text)
