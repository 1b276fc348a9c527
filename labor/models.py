import datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models

from plexcopilot.roles import OPERATOR, ROLE_CHOICES


class Employee(models.Model):
    """A person on the floor. Signs in at a station with badge + PIN; desk users also have a password."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employee")
    badge_id = models.CharField(max_length=32, unique=True)
    pin_hash = models.CharField(max_length=128)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default=OPERATOR, db_index=True)
    shift = models.CharField(max_length=4, blank=True)
    active = models.BooleanField(default=True)
    plex_employee_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def set_pin(self, pin: str) -> None:
        """Store the PIN hashed with Django's password hasher; the PIN itself is never kept."""
        self.pin_hash = make_password(pin)

    def check_pin(self, pin: str) -> bool:
        return check_password(pin, self.pin_hash)


class CertificationType(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    validity_days = models.PositiveIntegerField(default=365)
    plex_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class CertificationLevel(models.TextChoices):
    TRAINEE = "trainee", "Trainee"
    CERTIFIED = "certified", "Certified"
    EXPERT = "expert", "Expert"


class EmployeeCertification(models.Model):
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="certifications")
    certification_type = models.ForeignKey(CertificationType, on_delete=models.PROTECT)
    level = models.CharField(max_length=12, choices=CertificationLevel.choices)
    valid_until = models.DateField()
    granted_on = models.DateField(default=datetime.date.today)
    plex_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["employee", "certification_type"], name="one_cert_per_type"),
        ]
        ordering = ["certification_type__code"]

    def __str__(self) -> str:
        return f"{self.employee} {self.certification_type.code} {self.level} until {self.valid_until}"

    def is_valid_on(self, day: datetime.date) -> bool:
        """A certification is valid up to and including its valid-until date."""
        return day <= self.valid_until
