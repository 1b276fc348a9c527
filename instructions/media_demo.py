"""Step media for the demo plant: a few drawn diagrams (Pillow) and one tiny committed clip, stored through the same
intake as an engineer's upload (instructions.media.media_ingest), so the demo shows exactly what a plant would."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from instructions.media import media_ingest
from instructions.models import WorkInstruction

DEMO_MEDIA_DIR = settings.BASE_DIR / "demo" / "media"
STEEL, DARK, YELLOW, RED, GREEN, WHITE = (
    (150, 156, 162),
    (40, 44, 48),
    (255, 191, 71),
    (200, 30, 40),
    (20, 130, 60),
    (255, 255, 255),
)
SIZE = (960, 640)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _canvas(title: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", SIZE, (226, 230, 234))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE[0], 64), fill=DARK)
    draw.text((24, 14), title, fill=WHITE, font=_font(32))
    return image, draw


def torque_cross_pattern() -> Image.Image:
    """Die clamp: eight bolts around the die, numbered in the cross (star) order."""
    image, draw = _canvas("Die clamp bolts: cross pattern")
    draw.rectangle((180, 130, 780, 590), fill=STEEL, outline=DARK, width=6)
    draw.rectangle((330, 250, 630, 470), fill=(120, 126, 132), outline=DARK, width=4)
    spots = {
        1: (240, 190),
        2: (720, 530),
        3: (720, 190),
        4: (240, 530),
        5: (480, 160),
        6: (480, 560),
        7: (210, 360),
        8: (750, 360),
    }
    for number, (x, y) in spots.items():
        draw.ellipse((x - 34, y - 34, x + 34, y + 34), fill=YELLOW, outline=DARK, width=5)
        draw.text((x, y), str(number), fill=DARK, font=_font(38), anchor="mm")
    for a, b in ((1, 2), (3, 4), (5, 6), (7, 8)):
        draw.line((*spots[a], *spots[b]), fill=RED, width=3)
    return image


def light_curtain_test() -> Image.Image:
    """The 30 mm test rod at top, middle and bottom of the light curtain."""
    image, draw = _canvas("Light curtain test: top, middle, bottom")
    for x in (110, 560):
        draw.rectangle((x - 22, 100, x + 22, 610), fill=DARK)
    for y in range(120, 600, 24):
        draw.line((132, y, 538, y), fill=(230, 80, 80), width=2)
    for label, y in (("TOP", 170), ("MIDDLE", 355), ("BOTTOM", 540)):
        draw.ellipse((305, y - 30, 365, y + 30), fill=YELLOW, outline=DARK, width=4)
        draw.line((365, y, 600, y), fill=DARK, width=3)
        draw.text((610, y), f"{label}:", fill=DARK, font=_font(30), anchor="ls")
        draw.text((610, y + 6), "ram must stop", fill=DARK, font=_font(28), anchor="lt")
    return image


def locating_pin() -> Image.Image:
    """A good ceramic locating pin beside a chipped one."""
    image, draw = _canvas("Ceramic locating pin")
    for cx, label, good in ((260, "GOOD", True), (700, "CHIPPED: REPLACE", False)):
        draw.rectangle((cx - 150, 470, cx + 150, 560), fill=(110, 90, 60), outline=DARK, width=4)
        draw.rounded_rectangle(
            (cx - 45, 180, cx + 45, 470), radius=30, fill=(238, 234, 226), outline=DARK, width=4
        )
        if not good:
            chip = [(cx + 45, 230), (cx + 5, 260), (cx + 20, 300), (cx + 45, 310)]
            draw.polygon(chip, fill=(226, 230, 234), outline=RED)
            draw.ellipse((cx - 10, 200, cx + 90, 340), outline=RED, width=8)
        colour = GREEN if good else RED
        draw.text((cx, 600), label, fill=colour, font=_font(34), anchor="mm")
        if good:
            draw.line((cx - 40, 120, cx - 5, 155, cx + 55, 90), fill=GREEN, width=12)
        else:
            draw.line((cx - 40, 90, cx + 40, 160), fill=RED, width=12)
            draw.line((cx + 40, 90, cx - 40, 160), fill=RED, width=12)
    return image


DRAWINGS: dict[str, Callable[[], Image.Image]] = {
    "torque-cross-pattern": torque_cross_pattern,
    "light-curtain-test": light_curtain_test,
    "locating-pin": locating_pin,
}


def demo_media_file(name: str) -> SimpleUploadedFile:
    """The named demo drawing as a PNG upload, or a committed clip under demo/media/."""
    if name in DRAWINGS:
        out = io.BytesIO()
        DRAWINGS[name]().save(out, "PNG")
        return SimpleUploadedFile(f"{name}.png", out.getvalue(), content_type="image/png")
    path = Path(DEMO_MEDIA_DIR) / name
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/octet-stream")


def demo_step_media(spec: dict[str, Any], *, instruction: WorkInstruction, user: Any) -> dict[str, str]:
    """The step fields for a demo step's `media` entry (stored once, like an upload)."""
    name = spec.get("media")
    if not name:
        return {}
    media = media_ingest(upload=demo_media_file(name), instruction=instruction, user=user)
    return {"media": media.digest, "media_caption": spec.get("media_caption", "")}
