"""Django's own strings that station screens show (time spans: "Plex data 5 minutes old") but Django's catalog
lacks for a plant language (Vietnamese). Listed here so makemessages keeps them in the project catalogs, which
take precedence over Django's; languages Django already covers leave them empty and fall back to Django's."""

from django.utils.translation import ngettext_lazy

TIME_SPANS = (
    ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
)
