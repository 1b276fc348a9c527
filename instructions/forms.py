from django import forms
from django.utils.translation import gettext_lazy as _

from plexcopilot.forms import ProseField


class SignInForm(forms.Form):
    badge = forms.CharField(
        max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True})
    )
    pin = forms.CharField(max_length=12, widget=forms.PasswordInput(attrs={"inputmode": "numeric"}))


class ScanForm(forms.Form):
    code = forms.CharField(max_length=200, required=False)


class MeasurementForm(forms.Form):
    value = forms.CharField(max_length=40, required=False)


class FlagForm(forms.Form):
    comment = ProseField(
        label=_("Comment"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class OverrideForm(forms.Form):
    supervisor_badge = forms.CharField(max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    supervisor_pin = forms.CharField(
        max_length=12, widget=forms.PasswordInput(attrs={"inputmode": "numeric"})
    )
    reason = ProseField(label=_("Reason"), max_length=500)


class CloseOutForm(forms.Form):
    good = forms.IntegerField(min_value=0, max_value=1_000_000)
    scrap = forms.IntegerField(min_value=0, max_value=1_000_000, required=False)
    scrap_reason = forms.CharField(max_length=16, required=False)
    confirm_good = forms.IntegerField(
        min_value=0, max_value=1_000_000, required=False
    )  # a count past the order


class SignoffForm(forms.Form):
    badge = forms.CharField(max_length=32)
    pin = forms.CharField(max_length=12)
