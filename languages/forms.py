from django import forms


class ApproveForm(forms.Form):
    final_text = forms.CharField(max_length=5000, strip=True)
    password = forms.CharField(max_length=128, strip=False)


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=500, strip=True)
