from django.apps import AppConfig


class LaborConfig(AppConfig):
    name = "labor"
    verbose_name = "Labor and certifications"
