"""The plant's defect categories and root-cause codes (data, not enums): labels, choices, validation, creation.

NCRs and defect reports store the code. Labels are read through a small per-process cache (refreshed when a
taxonomy row is saved in this process, and at most `CACHE_SECONDS` old otherwise), so a list of 100 defects
costs one query, not 100.
"""

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models.signals import post_delete, post_save
from django.utils import translation
from django.utils.translation import gettext

from quality.models import (
    ROOT_CAUSE_CODE_PATTERN,
    SEED_CATEGORIES,
    DefectCategory,
    RootCauseCode,
    TaxonomySource,
)

CACHE_SECONDS = 60
CATEGORY_CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


@dataclass
class _Cache:
    loaded_at: float = 0.0
    categories: dict[str, tuple[str, bool]] = field(default_factory=dict)  # code -> (label, active)
    causes: dict[str, tuple[str, bool]] = field(default_factory=dict)  # code -> (description, active)


_cache = _Cache()


def _fresh() -> _Cache:
    if time.monotonic() - _cache.loaded_at > CACHE_SECONDS:
        _cache.categories = {
            c: (label, a) for c, label, a in DefectCategory.objects.values_list("code", "label", "active")
        }
        _cache.causes = {
            c: (d, a) for c, d, a in RootCauseCode.objects.values_list("code", "description", "active")
        }
        _cache.loaded_at = time.monotonic()
    return _cache


def forget(**_kwargs: object) -> None:
    _cache.loaded_at = 0.0


for _model in (DefectCategory, RootCauseCode):
    post_save.connect(forget, sender=_model, dispatch_uid=f"taxonomy-forget-save-{_model.__name__}")
    post_delete.connect(forget, sender=_model, dispatch_uid=f"taxonomy-forget-delete-{_model.__name__}")


def _translated(code: str, label: str) -> str:
    """A seeded category whose label the admin kept is shown in the reader's language."""
    seed = SEED_CATEGORIES.get(code)
    if seed is None:
        return label
    with translation.override("en"):
        english = str(seed)
    return str(seed) if label == english else label


def category_label(code: str) -> str:
    if not code:
        return ""
    return _translated(code, _fresh().categories.get(code, (code, False))[0] or code)


def root_cause_description(code: str) -> str:
    return _fresh().causes.get(code, ("", False))[0] if code else ""


def category_choices() -> list[tuple[str, str]]:
    """Active categories, for forms (a callable, so the choices follow the admin's edits)."""
    return [
        (code, _translated(code, label))
        for code, (label, active) in sorted(_fresh().categories.items())
        if active
    ]


def category_choices_blank() -> list[tuple[str, str]]:
    return [("", "—"), *category_choices()]


NOT_SURE_CODE = "other"  # what an operator who is not sure files under, for the quality engineer to triage


def station_category_choices() -> list[tuple[str, str]]:
    """The station's defect sheet: a blank first choice (an untouched select is refused, never filed as the
    first category), the active categories, and "Not sure / other" last when the plant offers "other"."""
    choices = [c for c in category_choices() if c[0] != NOT_SURE_CODE]
    not_sure = [(NOT_SURE_CODE, gettext("Not sure / other"))] if category_known(NOT_SURE_CODE) else []
    return [("", gettext("— choose what you see —")), *choices, *not_sure]


def root_cause_choices() -> dict[str, str]:
    """Active root-cause codes with their descriptions."""
    return {code: text for code, (text, active) in sorted(_fresh().causes.items()) if active}


def category_known(code: str, *, active_only: bool = True) -> bool:
    entry = _fresh().categories.get(code)
    return entry is not None and (entry[1] or not active_only)


def category_retired(code: str) -> bool:
    """A category the plant has but no longer offers (its history keeps it)."""
    entry = _fresh().categories.get(code)
    return entry is not None and not entry[1]


def root_cause_known(code: str, *, active_only: bool = True) -> bool:
    entry = _fresh().causes.get(code)
    return entry is not None and (entry[1] or not active_only)


def normalise_category(raw: str) -> str:
    """A category as a code: lower case, spaces and slashes as underscores ("Missing component" → missing_component)."""
    return re.sub(r"[\s/]+", "_", raw.strip().lower())[:40]


def valid_category_code(code: str) -> bool:
    return bool(re.match(CATEGORY_CODE_PATTERN, code)) and len(code) <= 40


def valid_root_cause_code(code: str) -> bool:
    return bool(re.match(ROOT_CAUSE_CODE_PATTERN, code)) and len(code) <= 32


def codes_create(
    *, categories: Iterable[str] = (), root_causes: Iterable[str] = (), source: str = TaxonomySource.IMPORT
) -> tuple[list[str], list[str]]:
    """Create the categories and root-cause codes not there yet; returns the codes created."""
    new_categories = sorted(set(categories) - set(DefectCategory.objects.values_list("code", flat=True)))
    new_causes = sorted(set(root_causes) - set(RootCauseCode.objects.values_list("code", flat=True)))
    DefectCategory.objects.bulk_create(
        [
            DefectCategory(code=c, label=c.replace("_", " ").capitalize(), source=source)
            for c in new_categories
        ],
        ignore_conflicts=True,
    )
    RootCauseCode.objects.bulk_create(
        [RootCauseCode(code=c, source=source) for c in new_causes], ignore_conflicts=True
    )
    if new_categories or new_causes:
        forget()
    return new_categories, new_causes
