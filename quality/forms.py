from django import forms
from django.utils.translation import gettext_lazy as _

from quality.models import Disposition, TriageField, TriageVerdict
from quality.taxonomy import category_choices, category_choices_blank


class DefectForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=category_choices)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(required=False)


class NcrUpdateForm(forms.Form):
    category = forms.ChoiceField(choices=category_choices_blank, required=False)
    root_cause_code = forms.CharField(max_length=32, required=False)
    containment = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    corrective_action = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    disposition = forms.ChoiceField(choices=Disposition.choices, required=False)


class TriageDecisionForm(forms.Form):
    field = forms.ChoiceField(choices=TriageField.choices)
    verdict = forms.ChoiceField(choices=TriageVerdict.choices)
    value = forms.CharField(max_length=4000, required=False)


class NcrImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with the columns described in docs/quality.md")
    create_codes = forms.BooleanField(
        required=False,
        help_text="Create the categories and root-cause codes the file uses that are not known yet.",
    )
    dry_run = forms.BooleanField(required=False, help_text="Only report what would be imported.")
