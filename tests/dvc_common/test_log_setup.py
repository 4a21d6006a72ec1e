"""The processes' one logging set-up, in real processes whose stderr is a real file: the journal's
format (no timestamp, a priority prefix) only when ``$JOURNAL_STREAM`` names that very stderr,
ID numbers masked either way."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "001203004567"
SCRIPT = f"""
import logging
from dvc_common.log_setup import configure_logging
configure_logging(logging.INFO)
log = logging.getLogger("kiosk.probe")
log.info("started")
log.warning("card %s refused", "{ID_NUMBER}")
try:
    raise ValueError("no identity for {ID_NUMBER}")
except ValueError:
    log.exception("lookup failed")
"""
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")


def logged(tmp_path: Path, journal_stream: str | None) -> list[str]:
    """The stderr lines of a process logging through ``configure_logging``."""
    err = tmp_path / "stderr"
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    with err.open("w") as stream:
        info = os.fstat(stream.fileno())
        if journal_stream == "this file":
            env["JOURNAL_STREAM"] = f"{info.st_dev}:{info.st_ino}"
        elif journal_stream is not None:
            env["JOURNAL_STREAM"] = journal_stream
        subprocess.run(
            [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, stderr=stream, check=True, timeout=60
        )
    text = err.read_text(encoding="utf-8")
    assert ID_NUMBER not in text
    assert "********4567" in text
    return text.splitlines()


def test_on_the_journal_lines_carry_a_priority_and_no_timestamp(tmp_path: Path) -> None:
    lines = logged(tmp_path, "this file")
    assert lines[0] == "<6>INFO kiosk.probe: started"
    assert lines[1] == "<4>WARNING kiosk.probe: card ********4567 refused"
    assert lines[2] == "<3>ERROR kiosk.probe: lookup failed"
    assert "ValueError: no identity for ********4567" in lines[-1]
    assert not any(STAMP.match(line) for line in lines)


@pytest.mark.parametrize("journal_stream", [None, "", "8:12345", "garbage"])
def test_elsewhere_lines_keep_their_timestamp(tmp_path: Path, journal_stream: str | None) -> None:
    # Unset, empty, another stream's (inherited from a parent whose stderr was the journal while
    # ours goes to a file), malformed: the console format.
    lines = logged(tmp_path, journal_stream)
    assert STAMP.match(lines[0])
    assert lines[0].endswith(" INFO kiosk.probe: started")
    assert not lines[0].startswith("<")
