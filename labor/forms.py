from django import forms

from labor.models import AndonCategory, Employee, PunchKind


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


class AndonResolveForm(forms.Form):
    resolution = forms.CharField(max_length=500)


class EmployeeAdminForm(forms.ModelForm):
    """The admin's employee form: a new PIN is typed here and stored hashed; the hash is never shown."""

    new_pin = forms.RegexField(
        regex=r"^\d{4,12}$",
        required=False,
        strip=True,
        help_text="4–12 digits. Leave empty to keep the current PIN.",
        error_messages={"invalid": "A PIN is 4 to 12 digits."},
        widget=forms.PasswordInput(
            render_value=False, attrs={"inputmode": "numeric", "autocomplete": "new-password"}
        ),
    )

    class Meta:
        model = Employee
        fields = [
            "user",
            "badge_id",
            "first_name",
            "last_name",
            "language",
            "role",
            "shift",
            "active",
            "plex_employee_id",
        ]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if self.instance.pk is None and not cleaned.get("new_pin"):
            self.add_error("new_pin", "A new employee needs a PIN.")
        return cleaned

    def save(self, commit: bool = True) -> Employee:
        employee = super().save(commit=False)
        if self.cleaned_data.get("new_pin"):
            employee.set_pin(self.cleaned_data["new_pin"])
        if commit:
            employee.save()
        return employee
