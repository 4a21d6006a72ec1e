"""The camera preview on the identify screen: the reader's latest downscaled picture served to
QML through an image provider (``image://camera/<n>``), so the citizen sees where to hold the
code. Readers without a camera (a scanner module, the fake) have no preview and the screen
shows instructions instead.

The feed, not the screen, decides when there is a new picture: while the identify screen is up
(``watch()`` … ``unwatch()``) it hands the screen the camera's current picture at once, then
each newer one the reader publishes. A camera that is still opening, or reconnecting, when the
screen appears shows its picture as soon as it has one.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickImageProvider

from kiosk.ports import Preview, PreviewSource

PREVIEW_INTERVAL_MS = 100  # how often the feed looks for a newer picture: 10 per second


class CameraFeed(QObject):
    """Tells QML whether there is a picture and when to fetch the next one.

    ``frame`` counts the pictures handed to the screen (it only grows, so every picture has its
    own ``image://camera/<frame>`` address); ``hasPreview`` says whether the screen has one.
    """

    changed = Signal()

    def __init__(self, reader: PreviewSource, interval_ms: int = PREVIEW_INTERVAL_MS) -> None:
        super().__init__()
        self._reader = reader
        self._shown: Preview | None = None
        self._frame = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._publish)

    def shown(self) -> Preview | None:
        """The picture the screen was last handed (what the image provider serves)."""
        return self._shown

    @Slot()
    def watch(self) -> None:
        """The identify screen is up: show what the camera sees now, and keep following it."""
        self._timer.start()
        self._publish()

    @Slot()
    def unwatch(self) -> None:
        """The screen is gone: stop following, and let go of the picture (the next citizen
        never sees this one's last frame, which may hold their code)."""
        self._timer.stop()
        if self._shown is not None:
            self._shown = None
            self.changed.emit()

    def _publish(self) -> None:
        latest = self._reader.latest_preview()
        # Each picture the reader publishes is a new object: identity says "newer".
        if latest is self._shown:
            return
        self._shown = latest
        if latest is not None:
            self._frame += 1
        self.changed.emit()

    def _has_preview(self) -> bool:
        return self._shown is not None

    def _frame_get(self) -> int:
        return self._frame

    hasPreview = Property(bool, _has_preview, notify=changed)
    frame = Property(int, _frame_get, notify=changed)


class CameraImageProvider(QQuickImageProvider):
    """Serves the picture the feed handed the screen (a dark placeholder when there is none)."""

    def __init__(self, feed: CameraFeed) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)
        self._feed = feed

    def requestImage(self, id: str, size: QSize, requested: QSize) -> QImage:
        frame = self._feed.shown()
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
