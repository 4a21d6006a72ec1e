"""``KeptSlipStore`` stamps kept slips with the injected ``dvc_common.clock.Clock`` (UTC by
default), writes them under its folder and lists them oldest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from drivers.errors import DeviceError, DeviceKind, DeviceProblem
from drivers.printer.base import RenderedSlip
from drivers.printer.kept import META_FILE, KeptSlipStore
from dvc_common.clock import VIETNAM, FakeClock


def slip(code: str) -> RenderedSlip:
    page = np.zeros((16, 384), dtype=np.uint8)
    return RenderedSlip(code, (page,), b"\x1b@slip\x1dV\x00", (), "qr", "bar")


PAPER_OUT = DeviceError(DeviceKind.PRINTER, DeviceProblem.PAPER_OUT, "paper end sensor")


def test_kept_slips_carry_the_injected_clocks_time_oldest_first(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 6, 9, 30, tzinfo=VIETNAM))
    store = KeptSlipStore(tmp_path, clock=clock)
    first = store.keep("KIOSK01-261206-0002", slip("B"), PAPER_OUT)
    clock.advance(60)
    store.keep("KIOSK01-261206-0001", slip("A"), PAPER_OUT)
    assert first.kept_at == datetime(2026, 12, 6, 9, 30, tzinfo=VIETNAM)
    assert [k.code for k in store.pending()] == ["B", "A"]
    assert store.pending()[1].kept_at - store.pending()[0].kept_at == timedelta(seconds=60)
    assert (tmp_path / "kept-slips" / "KIOSK01-261206-0002" / META_FILE).is_file()


def test_without_a_clock_slips_are_stamped_in_utc(tmp_path: Path) -> None:
    before = datetime.now(UTC)
    kept = KeptSlipStore(tmp_path).keep("KIOSK01-261206-0003", slip("C"), PAPER_OUT)
    assert kept.kept_at.utcoffset() == timedelta(0)
    assert kept.kept_at >= before
    assert store_meta_time(tmp_path, "KIOSK01-261206-0003").endswith("+00:00")


def store_meta_time(root: Path, job_id: str) -> str:
    meta = json.loads((root / "kept-slips" / job_id / META_FILE).read_text(encoding="utf-8"))
    return str(meta["kept_at"])
