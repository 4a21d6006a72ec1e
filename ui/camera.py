"""The camera preview on the identify screen: the reader's latest downscaled picture served to
QML through an image provider (``image://camera/<n>``), so the citizen sees where to hold the
code. Readers without a camera (a scanner module, the fake) have no preview and the screen
shows instructions instead.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, QSize, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickImageProvider

from drivers.qr.base import QrReader


class CameraImageProvider(QQuickImageProvider):
    def __init__(self, reader: QrReader) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)
        self._reader = reader

    def requestImage(self, id: str, size: QSize, requested: QSize) -> QImage:
        frame = self._reader.latest_preview()
        if frame is None:
            image = QImage(4, 3, QImage.Format.Format_RGB888)
            image.fill(0x20252D)
        else:
            # copy(): the QImage must own its pixels once the frame's bytes are gone.
            data = frame.to_bytes()
            image = QImage(
                data, frame.width, frame.height, 3 * frame.width, QImage.Format.Format_RGB888
            ).copy()
        size.setWidth(image.width())
        size.setHeight(image.height())
        return image


class CameraFeed(QObject):
    """Tells QML whether there is a picture and when to fetch the next one."""

    changed = Signal()

    def __init__(self, reader: QrReader) -> None:
        super().__init__()
        self._reader = reader
        self._frame = 0

    @Slot()
    def refresh(self) -> None:
        self._frame += 1
        self.changed.emit()

    def _has_preview(self) -> bool:
        # Asked of the reader each time: a camera still opening at start-up has frames later.
        return self._reader.latest_preview() is not None

    def _frame_get(self) -> int:
        return self._frame

    hasPreview = Property(bool, _has_preview, notify=changed)
    frame = Property(int, _frame_get, notify=changed)
