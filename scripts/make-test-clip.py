"""Writes tests/copilot/fixtures/tip-dressing.webm: a 12-second, 64x48 VP8 clip (a coloured frame per second),
used by the copilot's browser test to open a clip at a cited moment. Needs PyAV (`pip install av`), which the
project itself does not: the clip is committed."""

import sys
from pathlib import Path

import av
import numpy as np

out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/copilot/fixtures/tip-dressing.webm")
container = av.open(str(out), mode="w")
stream = container.add_stream("libvpx", rate=4)
stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
stream.options = {"b": "20k"}
for n in range(48):  # 12 s at 4 frames per second
    frame = np.zeros((48, 64, 3), dtype=np.uint8)
    frame[:, :, (n // 4) % 3] = 40 + 17 * (n // 4)
    for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
        container.mux(packet)
for packet in stream.encode():
    container.mux(packet)
container.close()
print(out, out.stat().st_size, "bytes")
