"""Reading still images from files for the technicians' commands (``kiosk qr decode``,
``kiosk scan process``), so OpenCV stays inside ``drivers``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt


def read_image_file(path: Path, *, gray: bool = False) -> npt.NDArray[np.uint8] | None:
    """The picture in ``path`` (BGR, or one channel with ``gray``), or None when the file cannot
    be read or is not an image OpenCV knows."""
    import cv2

    try:
        data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    except OSError:
        return None
    if not data.size:
        return None
    # imdecode rather than imread: no OpenCV warning on stderr, and any path encoding works.
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR)
    return None if image is None else np.asarray(image, dtype=np.uint8)
