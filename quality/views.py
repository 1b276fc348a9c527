from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from quality.models import DefectReport


@require_GET
@login_required
def defect_photo(request: HttpRequest, pk: int, size: str) -> FileResponse:
    """Defect photos are plant data: served only to signed-in users, never from a public folder."""
    report = get_object_or_404(DefectReport, pk=pk)
    field = report.thumbnail if size == "thumb" else report.photo
    if not field:
        raise Http404("No photo")
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
