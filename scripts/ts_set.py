"""Set translation texts in both ``ui/i18n/kiosk_*.ts`` files from a small table, then compile.

Usage: ``python scripts/ts_set.py TABLE.py`` where TABLE.py defines ``TEXTS = {id: (vi, en)}``
(``None`` as the value deletes the id). Editing two XML files by hand for every new sentence is
where ids drift apart; this keeps the Vietnamese source and both translations in step.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "ui" / "i18n"


def update(texts: dict[str, tuple[str, str] | None]) -> None:
    for language, column in (("vi", 0), ("en", 1)):
        path = FOLDER / f"kiosk_{language}.ts"
        tree = ET.parse(path)  # noqa: S314 - our own file
        context = tree.getroot().find("context")
        assert context is not None
        existing = {m.attrib["id"]: m for m in context.iter("message")}
        for key, pair in texts.items():
            if pair is None:
                if key in existing:
                    context.remove(existing[key])
                continue
            message = existing.get(key)
            if message is None:
                message = ET.SubElement(context, "message", {"id": key})
                ET.SubElement(message, "source")
                ET.SubElement(message, "translation")
            source, translation = message.find("source"), message.find("translation")
            assert source is not None and translation is not None
            source.text = pair[0]
            translation.text = pair[column]
        ET.indent(tree, space="    ")
        # Qt Linguist's layout: <context> at the margin, its messages four spaces in.
        body = "\n".join(
            line[4:] if line.startswith("    ") else line
            for line in ET.tostring(tree.getroot(), encoding="unicode").splitlines()
        )
        path.write_text(
            '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
            encoding="utf-8",
        )
    subprocess.run([sys.executable, "-m", "ui.i18n"], check=True)


if __name__ == "__main__":
    update(runpy.run_path(sys.argv[1])["TEXTS"])
