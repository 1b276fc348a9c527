"""Work order travelers: the printable sheet of barcodes for the open work, and each barcode as SVG."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from instructions.models import WorkOrder, WorkOrderStatus


def barcode_svg(value: str) -> bytes:
    """Code 128 barcode as SVG, the symbology keyboard-wedge scanners read out of the box."""
    import io

    import barcode
    from barcode.writer import SVGWriter

    out = io.BytesIO()
    barcode.get("code128", value, writer=SVGWriter()).write(
        out, options={"module_height": 12, "font_size": 8}
    )
    return out.getvalue()


@require_GET
@login_required
def work_order_travelers(request: HttpRequest) -> HttpResponse:
    """A printable sheet of work order barcodes (travelers) for the open work."""
    work_orders = WorkOrder.objects.exclude(status=WorkOrderStatus.COMPLETE).select_related(
        "part", "operation__work_center"
    )
    return render(request, "instructions/travelers.html", {"work_orders": work_orders})


@require_GET
@login_required
def work_order_barcode(request: HttpRequest, barcode: str) -> HttpResponse:
    work_order = get_object_or_404(WorkOrder, barcode=barcode)
    svg = barcode_svg(work_order.barcode)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=86400"
    return response
