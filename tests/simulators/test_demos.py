"""The demos of the simulators package, run as their commands are."""

from __future__ import annotations

import subprocess
import sys


def test_demo_walks_the_journey() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulators", "text"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for state in (
        "[identify]",
        "[identity_check]",
        "[form]",
        "[scan]",
        "[review]",
        "[confirm]",
        "[done]",
        "[idle_warning]",
        "[attract]",
    ):
        assert state in out
    assert "Dữ liệu phiên đã xoá khỏi đĩa: có" in out
    assert "hồ sơ vẫn an toàn trong hàng đợi (1 hồ sơ chờ gửi)" in out
    assert "mã hồ sơ chính thức H00.00.00-" in out
    assert "049158000123" not in out
