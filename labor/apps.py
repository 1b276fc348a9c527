from django.apps import AppConfig


class LaborConfig(AppConfig):
    name = "labor"
    verbose_name = "Labor, employees and certifications"
