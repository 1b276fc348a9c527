from django import forms

from plexcopilot.models import Employee


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
