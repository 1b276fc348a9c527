from django import forms
from django.utils.translation import gettext_lazy as _

from plexcopilot.forms import ProseField
from quality.models import Disposition, TriageField, TriageVerdict
from quality.taxonomy import category_choices_blank, station_category_choices


class DefectForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"),
        choices=station_category_choices,
        error_messages={"required": _("Choose which defect you see in the list, or “Not sure / other”.")},
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    description = ProseField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # An empty file is the photo intake's to refuse ("The photo is empty"), not "Photo is needed".
    photo = forms.FileField(required=False, allow_empty_file=True)


# What an NCR's containment and corrective action hold (NCR.containment / .corrective_action max_length, the
# decision's `final`, the history import), so what the NCR record form and the triage edit accept: one limit, one
# message, the typed text kept.
NCR_TEXT_MAX = 4000
TRIAGE_VALUE_MAX = NCR_TEXT_MAX


def too_long_message(label: str, typed: int) -> str:
    return _("The %(field)s can be at most %(limit)s characters; you typed %(typed)s.") % {
        "field": label.lower(),
        "limit": NCR_TEXT_MAX,
        "typed": typed,
    }


class NcrUpdateForm(forms.Form):
    category = forms.ChoiceField(choices=category_choices_blank, required=False)
    root_cause_code = forms.CharField(max_length=32, required=False)
    # No max_length on the long texts: it would put a maxlength on the textarea, and the browser would cut a
    # pasted text at the limit without a word. The limit is checked below and said with the count typed.
    containment = forms.CharField(
        label="Containment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-limit": NCR_TEXT_MAX}),
    )
    corrective_action = forms.CharField(
        label="Corrective action",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-limit": NCR_TEXT_MAX}),
    )
    disposition = forms.ChoiceField(choices=Disposition.choices, required=False)

    def clean_containment(self) -> str:
        return self._within_limit("containment")

    def clean_corrective_action(self) -> str:
        return self._within_limit("corrective_action")

    def _within_limit(self, name: str) -> str:
        value: str = self.cleaned_data[name]
        if len(value) > NCR_TEXT_MAX:
            raise forms.ValidationError(
                too_long_message(str(self.fields[name].label), len(value)), code="max_length"
            )
        return value


class TriageDecisionForm(forms.Form):
    field = forms.ChoiceField(choices=TriageField.choices)
    verdict = forms.ChoiceField(choices=TriageVerdict.choices)
    value = forms.CharField(max_length=TRIAGE_VALUE_MAX, required=False)


class NcrImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with the columns described in docs/quality.md")
    create_codes = forms.BooleanField(
        required=False,
        help_text="Create the categories and root-cause codes the file uses that are not known yet.",
    )
    dry_run = forms.BooleanField(required=False, help_text="Only report what would be imported.")
