"""The receipt printer: appointment slips drawn as images and printed through python-escpos.

``base`` holds the ``ReceiptPrinter`` Protocol and its values; ``slip`` draws the slip from a
dossier (Qt, imported only by whoever renders); ``escpos_printer`` drives real printers, ``fake``
writes files, ``kept`` keeps slips that could not print. ``open_printer`` is the one factory the
composition root calls; it imports the chosen implementation lazily and opens nothing itself
(the connection opens on the first call).
"""

from __future__ import annotations

from config.settings import PrinterDriver, PrinterSection
from drivers.printer.base import (
    DrawnText,
    PrinterStatus,
    PrintResult,
    ReceiptPrinter,
    RenderedSlip,
)

__all__ = [
    "DrawnText",
    "PrintResult",
    "PrinterStatus",
    "ReceiptPrinter",
    "RenderedSlip",
    "open_printer",
]


def open_printer(section: PrinterSection) -> ReceiptPrinter:
    """The printer the settings describe: the fake (files in ``section.path``) or a real one."""
    from drivers.printer.profiles import load_profile

    profile = load_profile(section.profile)
    if section.driver is PrinterDriver.FAKE:
        from drivers.printer.fake import FakePrinter

        return FakePrinter(section.path, width_dots=profile.width_dots)
    from drivers.printer.escpos_printer import EscposPrinter

    return EscposPrinter(section, profile)
