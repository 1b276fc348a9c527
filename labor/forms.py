from django import forms

from labor.models import AndonCategory, PunchKind
from plexcopilot.forms import ProseField
from plexcopilot.models import Employee


class AndonForm(forms.Form):
    NOTE_MAX = 500  # AndonCall.note

    category = forms.ChoiceField(choices=AndonCategory.choices)
    note = ProseField(max_length=NOTE_MAX, required=False)
    line_down = forms.BooleanField(required=False)


class FlagResolveForm(forms.Form):
    ACTIONS = [("accept", "Accept"), ("dismiss", "Dismiss"), ("correct", "Correct")]
    MODES = [("replace", "Move the punch to the corrected time"), ("void", "Remove the punch"),
             ("add", "Add the missing punch")]  # fmt: skip
    action = forms.ChoiceField(choices=ACTIONS)
    mode = forms.ChoiceField(choices=MODES, required=False)
    at = forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    kind = forms.ChoiceField(choices=[("", "—"), *PunchKind.choices], required=False)
    note = ProseField(max_length=500, required=False)


class HandoverSignForm(forms.Form):
    text = ProseField(max_length=20000, widget=forms.Textarea(attrs={"rows": 18}))


class AssignForm(forms.Form):
    job = forms.IntegerField()
    employee = forms.ModelChoiceField(queryset=Employee.objects.filter(active=True))
    replace = forms.IntegerField(
        required=False
    )  # the assignment the new person takes the place of (a full crew)


class AndonResolveForm(forms.Form):
    resolution = ProseField(max_length=500)
