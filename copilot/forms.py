from django import forms

from copilot.models import DocType
from plexcopilot.roles import ROLE_CHOICES


class UploadForm(forms.Form):
    file = forms.FileField()
    doc_type = forms.ChoiceField(
        choices=[("", "From the file")] + [c for c in DocType.choices if c[0] != "instruction"],
        required=False,
    )
    part = forms.CharField(max_length=40, required=False)
    work_center = forms.CharField(max_length=32, required=False)
    area = forms.CharField(max_length=60, required=False)
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("That file is larger than 10 MB.")
        return upload


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("1", "Helpful"), ("0", "Not helpful")], coerce=lambda v: v == "1"
    )


class AskForm(forms.Form):
    question = forms.CharField(max_length=500, strip=True)
