from django import forms

from quality.models import DefectCategory


class DefectForm(forms.Form):
    category = forms.ChoiceField(choices=DefectCategory.choices)
    quantity = forms.IntegerField(min_value=1, initial=1)
    description = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(required=False)
