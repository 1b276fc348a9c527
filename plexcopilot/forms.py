from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from plexcopilot.models import Employee


class ProseField(forms.CharField):
    """Text a person writes in their own words (a note, a reason, a description), at most `max_length` characters.

    The limit is the server's to say, never the browser's: the widget carries it as data-limit (a live count by
    static/js/char-count.js) and no maxlength, at which a browser cuts a pasted text without a word. Line breaks
    count once, as the count on the page counts them (a browser posts a textarea's as CR LF)."""

    default_error_messages = {
        "max_length": _(
            "%(show_value)s characters; %(limit_value)s at most. Nothing was cut: shorten it and send again."
        ),
    }

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs: dict[str, Any] = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        if self.max_length is not None:
            attrs["data-limit"] = str(self.max_length)
        return attrs


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
