"""A maintenance log and a video clip (with a Spanish transcript) for the 400 t press, as library files."""

import shutil
from pathlib import Path

CLIP = Path(__file__).parent / "fixtures" / "tip-dressing.webm"

WORK_ORDERS = """Work order,Date,Asset,Symptom,Cause,Action,Downtime (min)
40117,2026-02-11,PRS-400,Routine PM,,Greased the slide gibs,20
40123,2026-03-02,PRS-400,Transfer fingers drop the blank at station 3,Finger pads worn smooth,Replaced the finger pads and re-taught the transfer height,45
40188,2026-04-19,PW-2,Weld nuts spinning at proof torque,Electrode tip face mushroomed,Dressed the tips and reset the weld counter,30
"""

TRANSCRIPT = """WEBVTT

NOTE title: Transfer finger pads on the 400 t press
NOTE work_center: PRS-400

00:00:00.000 --> 00:00:04.000
This clip shows the transfer fingers of the 400 ton press.

00:00:04.000 --> 00:00:08.000
Worn finger pads let the blank drop at station 3 during transfer.

00:00:08.000 --> 00:00:12.000
Swap both finger pads on the bar, then re-teach the transfer height before restarting.
"""

TRANSCRIPT_ES = """WEBVTT

00:00:00.000 --> 00:00:04.000
Este clip muestra los dedos de transferencia de la prensa de 400 toneladas.

00:00:04.000 --> 00:00:08.000
Las almohadillas gastadas dejan caer la pieza en la estación 3.

00:00:08.000 --> 00:00:12.000
Cambie ambas almohadillas de la barra y vuelva a enseñar la altura de transferencia antes de reiniciar.
"""


def write_sources(folder: Path) -> Path:
    """work-orders.csv and clips/transfer-fingers.webm (+ .vtt, .es.vtt) under `folder`."""
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    (folder / "maintenance-logs").mkdir(parents=True, exist_ok=True)
    (folder / "maintenance-logs" / "work-orders.csv").write_text(WORK_ORDERS)
    shutil.copy(CLIP, folder / "clips" / "transfer-fingers.webm")
    # Words split across cues on purpose: passages group cues, and each keeps its first cue's time.
    (folder / "clips" / "transfer-fingers.vtt").write_text(TRANSCRIPT)
    (folder / "clips" / "transfer-fingers.es.vtt").write_text(TRANSCRIPT_ES)
    return folder
