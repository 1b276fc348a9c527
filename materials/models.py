"""Materials: what a line consumes, where it is kept, what is on hand and on the way, and the loops that refill it.

Plex mapping (docs/materials.md): components and BOM lines from Plex parts and BOMs, lots from inventory containers,
open supply from purchase-order lines / transfers. Quantities are in the component's unit.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models


def quantity_said(quantity: Decimal | float | int) -> str:
    """A stored quantity as people write it: 3500, 12.5 (never "3500.000" or "3.5E+3")."""
    return f"{Decimal(str(quantity)).normalize():f}"


class Component(models.Model):
    """A purchased or transferred material a part is built from (a Plex part of a purchased type)."""

    number = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    unit = models.CharField(max_length=12, default="ea")
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    supplier = models.CharField(max_length=120, blank=True)
    supplier_lead_hours = models.PositiveIntegerField(default=0, help_text="Order to receipt at the dock")
    plex_part_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class BomLine(models.Model):
    """Quantity of a component consumed per unit of a part (Plex BOM component)."""

    part = models.ForeignKey("instructions.Part", on_delete=models.CASCADE, related_name="bom_lines")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="bom_lines")
    quantity_per = models.DecimalField(max_digits=12, decimal_places=4)
    operation = models.ForeignKey(
        "instructions.Operation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The operation that consumes it (Plex partOperationId); empty = the part's first operation",
    )
    plex_bom_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["part", "component"]
        constraints = [models.UniqueConstraint(fields=["part", "component"], name="bom_component_once")]

    def __str__(self) -> str:
        return f"{self.part.number}: {self.quantity_per} x {self.component.number}"


class RunRate(models.Model):
    """How fast an operation runs, to spread a job's consumption over time when no schedule says when it runs."""

    operation = models.OneToOneField(
        "instructions.Operation", on_delete=models.CASCADE, related_name="run_rate"
    )
    units_per_hour = models.FloatField()

    def __str__(self) -> str:
        return f"{self.operation}: {self.units_per_hour}/h"


class LineSideLocation(models.Model):
    """A rack or supermarket lane beside a work center, fed from the warehouse."""

    work_center = models.ForeignKey(
        "instructions.WorkCenter", on_delete=models.CASCADE, related_name="line_side_locations"
    )
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=120, blank=True)
    transit_hours = models.PositiveIntegerField(default=2, help_text="Warehouse to line-side")
    plex_location = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


# A delivery confirmed on the desk ("Delivered") is on hand at once as a local lot without a Plex container, named
# "call-off <id>"; the next Plex containers sync replaces it at a rack with a plex_location, elsewhere it stays
# (docs/materials.md "Deliveries and the Plex sync").
RECEIPT_LOT_PREFIX = "call-off "


class Lot(models.Model):
    """Material on hand at a location (a Plex container / lot, or a local receipt of a delivered call-off)."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="lots")
    location = models.ForeignKey(LineSideLocation, on_delete=models.CASCADE, related_name="lots")
    lot_number = models.CharField(max_length=60)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    plex_container_id = models.CharField(max_length=64, blank=True, db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["component", "location", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["component", "location", "lot_number"], name="lot_once_per_place")
        ]

    def __str__(self) -> str:
        return f"{self.component.number} {self.lot_number} @ {self.location.code}: {quantity_said(self.quantity)}"


class SupplyStatus(models.TextChoices):
    OPEN = "open", "Open"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


class OpenSupply(models.Model):
    """Incoming material for a location with its expected arrival (a PO line, a transfer, an approved call-off)."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="supplies")
    location = models.ForeignKey(LineSideLocation, on_delete=models.CASCADE, related_name="supplies")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    eta = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=80, blank=True, help_text="PO number, transfer or call-off")
    status = models.CharField(max_length=10, choices=SupplyStatus.choices, default=SupplyStatus.OPEN)

    class Meta:
        ordering = ["eta"]
        verbose_name_plural = "open supply"

    def __str__(self) -> str:
        return f"{quantity_said(self.quantity)} {self.component.number} → {self.location.code} at {self.eta:%Y-%m-%d %H:%M}"


class Consumption(models.Model):
    """Material issued to production at a location (recorded history; the rolling ADU comes from here)."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="consumptions")
    location = models.ForeignKey(LineSideLocation, on_delete=models.CASCADE, related_name="consumptions")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    at = models.DateTimeField(db_index=True)
    work_order = models.ForeignKey(
        "instructions.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]


class KanbanLoop(models.Model):
    """A card loop feeding one component to one location: cards x quantity per card."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="kanban_loops")
    location = models.ForeignKey(LineSideLocation, on_delete=models.CASCADE, related_name="kanban_loops")
    card_count = models.PositiveIntegerField()
    quantity_per_card = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["location", "component"]
        constraints = [models.UniqueConstraint(fields=["component", "location"], name="one_loop_per_place")]

    def __str__(self) -> str:
        return f"{self.component.number} @ {self.location.code}: {self.card_count} x {self.quantity_per_card}"

    def card_barcode(self, number: int) -> str:
        return f"KB-{self.pk}-{number}"


class BufferZone(models.TextChoices):
    RED = "red", "Red"
    YELLOW = "yellow", "Yellow"
    GREEN = "green", "Green"
    OVER = "over", "Over top of green"


class BufferStatus(models.Model):
    """The latest buffer computation per component and location (one row, overwritten by each evaluation)."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="buffers")
    location = models.ForeignKey(LineSideLocation, on_delete=models.CASCADE, related_name="buffers")
    adu = models.FloatField(help_text="Average daily usage")
    variability = models.FloatField(help_text="Coefficient of variation of daily usage")
    lead_days = models.FloatField()
    red = models.FloatField()
    yellow = models.FloatField()
    green = models.FloatField()
    on_hand = models.FloatField()
    incoming = models.FloatField()
    qualified_demand = models.FloatField()
    net_flow = models.FloatField()
    zone = models.CharField(max_length=8, choices=BufferZone.choices)
    computed_at = models.DateTimeField()
    zone_history = models.JSONField(
        default=list,
        blank=True,
        help_text='Worst zone per plant day, newest last: [{"day": "YYYY-MM-DD", "zone": "red"}, ...]',
    )

    class Meta:
        ordering = ["location", "component"]
        constraints = [models.UniqueConstraint(fields=["component", "location"], name="one_buffer_per_place")]

    @property
    def top_of_green(self) -> float:
        return self.red + self.yellow + self.green


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class ShortageAlert(models.Model):
    """A predicted line-side shortage: when stock runs out, the lead time to refill, the jobs it would stop."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="shortages")
    location = models.ForeignKey(LineSideLocation, on_delete=models.CASCADE, related_name="shortages")
    predicted_at = models.DateTimeField()
    shortage_at = models.DateTimeField(db_index=True)
    lead_hours = models.FloatField()
    shortfall = models.FloatField()
    work_orders = models.ManyToManyField("instructions.WorkOrder", related_name="+", blank=True)
    jobs = models.JSONField(default=list, blank=True, help_text="Numbers of the jobs it would stop")
    status = models.CharField(
        max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True
    )

    class Meta:
        ordering = ["shortage_at"]
        constraints = [
            # The evaluation moves the place's open alert; two evaluations at once must not open a second one.
            models.UniqueConstraint(
                fields=["component", "location"],
                condition=models.Q(status="open"),
                name="one_open_shortage_per_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.component.number} @ {self.location.code} short at {self.shortage_at:%Y-%m-%d %H:%M}"


class CallOffStatus(models.TextChoices):
    DRAFT = "draft", "Drafted"
    REQUESTED = "requested", "Requested (sent to Plex)"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class CallOff(models.Model):
    """A request to bring material to a location: drafted by the buffer, or called from a station by card."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="call_offs")
    location = models.ForeignKey(LineSideLocation, on_delete=models.CASCADE, related_name="call_offs")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    status = models.CharField(max_length=10, choices=CallOffStatus.choices, default=CallOffStatus.DRAFT)
    reason = models.CharField(max_length=200)
    needed_by = models.DateTimeField(null=True, blank=True)
    kanban_card = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    shortage = models.ForeignKey(
        ShortageAlert, null=True, blank=True, on_delete=models.SET_NULL, related_name="call_offs"
    )
    requested_needed_by = models.DateTimeField(
        null=True, blank=True, help_text="Needed by when it was requested (approved or called by card)"
    )
    evaluated_at = models.DateTimeField(
        null=True, blank=True, help_text="When a buffer evaluation last refreshed or withdrew it"
    )
    still_needed = models.BooleanField(
        default=True, help_text="False when the last evaluation found its place covered without it"
    )
    delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="When a handler confirmed it delivered"
    )
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One draft per place from the buffer. The evaluation drafts only at a place with no open call-off
            # (buffers._reconcile_call_offs) and approving one is draft → requested, both under the materials lock,
            # so no second requested one follows; requested ones left by the earlier race stay (migration 0005).
            # A kanban card is its own authorisation (never a draft).
            models.UniqueConstraint(
                fields=["component", "location"],
                condition=models.Q(status="draft", kanban_card=""),
                name="one_draft_call_off_per_place",
            )
        ]

    def __str__(self) -> str:
        return f"Call-off {self.pk}: {quantity_said(self.quantity)} {self.component.number} → {self.location.code}"

    @property
    def needed_earlier(self) -> bool:
        """A requested call the last evaluation needs earlier than the time it was requested for."""
        return (
            self.status == CallOffStatus.REQUESTED
            and self.needed_by is not None
            and self.requested_needed_by is not None
            and self.needed_by < self.requested_needed_by
        )


class KanbanChangeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected", "Rejected"


class KanbanChange(models.Model):
    """A suggested card count / card quantity change; applied only with a supervisor's e-signature."""

    loop = models.ForeignKey(KanbanLoop, on_delete=models.CASCADE, related_name="changes")
    old_card_count = models.PositiveIntegerField()
    old_quantity_per_card = models.DecimalField(max_digits=12, decimal_places=3)
    card_count = models.PositiveIntegerField()
    quantity_per_card = models.DecimalField(max_digits=12, decimal_places=3)
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=KanbanChangeStatus.choices, default=KanbanChangeStatus.PROPOSED
    )
    created_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_name = models.CharField(max_length=200, blank=True)
    signed_method = models.CharField(max_length=12, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
