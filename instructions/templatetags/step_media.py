"""{% step_media_for step.media as m %}: the StepMedia a step names (None when it names none)."""

from django import template

from instructions.media_models import StepMedia

register = template.Library()


@register.simple_tag
def step_media_for(digest: str | None) -> StepMedia | None:
    return StepMedia.objects.filter(digest=digest).first() if digest else None
