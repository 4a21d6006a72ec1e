"""QR login readers: the citizen's VNeID app or chip ID card (CCCD) QR code, read by a camera
(OpenCV + pyzbar / zxing-cpp), a scanner module on USB-serial or as a USB keyboard, or the fake.

``make_qr_reader`` is the one factory: it picks the implementation from ``QrSection`` and
imports it (and its vendor library) only then. Every reader implements ``base.QrReader`` and
hands over raw bytes; ``kiosk.identity.parse_identity`` turns them into an identity.
"""

from __future__ import annotations

from config.settings import QrDriver, QrSection
from drivers import simulated as simulation
from drivers.qr.base import DEFAULT_DEBOUNCE_S, QrReader
from drivers.simulated import Simulated
from dvc_common.clock import Clock


def make_qr_reader(
    settings: QrSection,
    clock: Clock,
    *,
    debounce_s: float = DEFAULT_DEBOUNCE_S,
    simulated: Simulated = simulation.NONE,
) -> QrReader:
    """The configured reader, not started. Opens nothing: devices are opened by ``start``."""
    match settings.driver:
        case QrDriver.FAKE:
            from drivers.qr.fake import FakeQrReader

            return FakeQrReader(clock, debounce_s=debounce_s)
        case QrDriver.CAMERA:
            from drivers.qr.base import CameraTuning
            from drivers.qr.camera import CameraQrReader, OpenCvFrameSource
            from drivers.qr.decode import FrameDecoder

            source = OpenCvFrameSource(
                settings.camera_index,
                settings.camera_width,
                settings.camera_height,
                CameraTuning(settings.camera_exposure, settings.camera_focus),
            )
            decoder = FrameDecoder(settings.decoder)
            return CameraQrReader(source, decoder, clock, debounce_s=debounce_s)
        case QrDriver.SERIAL:
            from drivers.qr.serial_reader import SerialQrReader

            return SerialQrReader(
                settings.serial_port,
                clock,
                baudrate=settings.baudrate,
                read_timeout_s=settings.read_timeout_s,
                debounce_s=debounce_s,
            )
        case QrDriver.KEYBOARD:
            from drivers.qr.keyboard import EvdevKeySource, KeyboardQrReader

            return KeyboardQrReader(
                EvdevKeySource(settings.keyboard_device),
                clock,
                read_timeout_s=settings.read_timeout_s,
                debounce_s=debounce_s,
            )
        case QrDriver.SIMULATED:
            return simulation.qr_reader(simulated, settings, clock)
    raise ValueError(f"unknown QR driver {settings.driver!r}")  # pragma: no cover


__all__ = ["QrReader", "make_qr_reader"]
