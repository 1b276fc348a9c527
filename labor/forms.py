from django import forms

from labor.models import AndonCategory, PunchKind
from plexcopilot.models import Employee


class AndonForm(forms.Form):
    category = forms.ChoiceField(choices=AndonCategory.choices)
    note = forms.CharField(max_length=500, required=False)
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
    note = forms.CharField(max_length=500, required=False)


class HandoverSignForm(forms.Form):
    text = forms.CharField(max_length=20000, widget=forms.Textarea(attrs={"rows": 18}))


class AssignForm(forms.Form):
    job = forms.IntegerField()
    employee = forms.ModelChoiceField(queryset=Employee.objects.filter(active=True))
    replace = forms.IntegerField(
        required=False
    )  # the assignment the new person takes the place of (a full crew)


class AndonResolveForm(forms.Form):
    resolution = forms.CharField(max_length=500)
