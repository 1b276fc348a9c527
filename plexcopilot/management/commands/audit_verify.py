"""`manage.py audit_verify`: the same check as `verify_audit`."""

from plexcopilot.management.commands.verify_audit import Command as VerifyAudit


class Command(VerifyAudit):
    pass
