"""USB sticks for the technician mode (exporting unsent dossiers, reading a file): the
``base.RemovableMedia`` Protocol and its values, implemented by ``udisks.UDisksMedia`` (udisks2
over D-Bus, through ``drivers.dbus``), ``directory.DirectoryMedia`` (a directory standing
for a mounted stick) and ``fake.FakeRemovableMedia`` (that, with faults).

Importing this package imports no D-Bus library: whoever builds ``UDisksMedia`` imports it.
"""

from __future__ import annotations

from drivers.removable.base import (
    RemovableError,
    RemovableMedia,
    RemovableProblem,
    Stick,
    StickWriter,
)

__all__ = ["RemovableError", "RemovableMedia", "RemovableProblem", "Stick", "StickWriter"]
