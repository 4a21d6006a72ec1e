"""``RemovableMedia`` as the technician screen uses it, against ``DirectoryMedia``,
``FakeRemovableMedia`` and ``UDisksMedia`` (on a fake udisks2): list, mount, write a file,
unmount and power off. Then the fake's faults (full, pulled out mid-write, write-protected, a
failing mount, a busy unmount, no udisks2) and ``StickWriter``'s own rules (names, an error in
the caller's block, errors mapped by errno, a failing stick told apart from a missing one).
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from dbus_fakes.harness import PrivateBus
from dbus_fakes.sticks import KIOSK_STICK, scenario, udisks
from dbus_fakes.wifi import private_bus

from drivers.removable.base import (
    RemovableError,
    RemovableMedia,
    RemovableProblem,
    StickWriter,
    check_name,
)
from drivers.removable.directory import DirectoryMedia
from drivers.removable.fake import FakeRemovableMedia, StickFault

Rig = Callable[[Path], AbstractContextManager[RemovableMedia]]
NAME = "K01-20261208-090000.dvcexport"


@pytest.fixture(scope="module")
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBus]:
    with private_bus(tmp_path_factory.mktemp("bus")) as daemon:
        yield daemon


@pytest.fixture(params=["directory", "fake", "udisks"])
def rig(request: pytest.FixtureRequest) -> Rig:
    @contextmanager
    def directory(root: Path) -> Iterator[RemovableMedia]:
        root.mkdir()
        kind = DirectoryMedia if request.param == "directory" else FakeRemovableMedia
        yield kind(root, label="KIOSK")

    if request.param != "udisks":
        return directory
    daemon: PrivateBus = request.getfixturevalue("bus")

    @contextmanager
    def real(root: Path) -> Iterator[RemovableMedia]:
        with udisks(daemon, scenario(root.parent / "media", KIOSK_STICK)) as (media, _service):
            yield media

    return real


def test_a_file_goes_onto_the_stick_and_the_stick_goes_away_safely(
    rig: Rig, tmp_path: Path
) -> None:
    with rig(tmp_path / "stick") as media:
        assert media.available()
        (stick,) = media.sticks()
        where = media.mount(stick)
        with media.open_write(stick, NAME) as out:
            out.write(b"first part, ")
            out.write(b"second part")
        saved = (where / NAME).read_bytes()
        media.unmount(stick)
        left = media.sticks()
    assert stick.label == "KIOSK"
    assert saved == b"first part, second part"
    assert sorted(p.name for p in where.iterdir()) == [NAME]
    assert left == ()


def test_unmounted_but_not_powered_off_it_stays_listed_and_refuses_writes(
    rig: Rig, tmp_path: Path
) -> None:
    with rig(tmp_path / "stick") as media:
        (stick,) = media.sticks()
        media.mount(stick)
        media.unmount(stick, power_off=False)
        (still,) = media.sticks()
        with pytest.raises(RemovableError) as refused:
            media.open_write(still, NAME)
        again = media.mount(still)
        (remounted,) = media.sticks()
    assert still.mounted_at is None
    assert still.free_bytes is None
    assert refused.value.kind is RemovableProblem.NOT_MOUNTED
    assert remounted.mounted_at == again
    assert remounted.free_bytes is not None


def test_an_error_in_the_callers_block_leaves_no_file(rig: Rig, tmp_path: Path) -> None:
    with rig(tmp_path / "stick") as media:
        (stick,) = media.sticks()
        where = media.mount(stick)
        with pytest.raises(KeyError), media.open_write(stick, NAME) as out:
            out.write(b"half an export")
            raise KeyError("the export failed half-way")
    assert list(where.iterdir()) == []


# --- the fake's faults --------------------------------------------------------------------------


@pytest.fixture
def fake(tmp_path: Path) -> FakeRemovableMedia:
    root = tmp_path / "stick"
    root.mkdir()
    return FakeRemovableMedia(root, capacity_bytes=10_000)


def test_a_full_stick_says_full_and_keeps_no_partial_file(fake: FakeRemovableMedia) -> None:
    (stick,) = fake.sticks()
    fake.set_faults(StickFault.FULL)
    with pytest.raises(RemovableError) as full, fake.open_write(stick, NAME) as out:
        for _ in range(20):
            out.write(b"x" * 1000)
    (after,) = fake.sticks()
    assert full.value.kind is RemovableProblem.FULL
    assert "errno 28" in full.value.technical
    assert list(fake.root.iterdir()) == []
    assert after.free_bytes == 10_000


def test_a_stick_pulled_out_mid_write_is_removed_and_gone_from_the_list(
    fake: FakeRemovableMedia,
) -> None:
    (stick,) = fake.sticks()
    fake.set_faults(StickFault.REMOVED_MID_WRITE, fail_after_bytes=2500)
    out = fake.open_write(stick, NAME)
    out.write(b"x" * 2000)
    with pytest.raises(RemovableError) as removed:
        out.write(b"x" * 1000)
    listed = fake.sticks()
    fake.plug_in()
    assert removed.value.kind is RemovableProblem.REMOVED
    assert out.written == 2000
    assert listed == ()
    assert not (fake.root / NAME).exists()


def test_a_write_protected_stick_is_read_only_from_the_first_byte(
    fake: FakeRemovableMedia,
) -> None:
    (stick,) = fake.sticks()
    fake.set_faults(StickFault.READ_ONLY)
    with pytest.raises(RemovableError) as locked:
        fake.open_write(stick, NAME)
    assert locked.value.kind is RemovableProblem.READ_ONLY


@pytest.mark.parametrize(
    ("fault", "action", "kind"),
    [
        (StickFault.MOUNT_FAILS, "mount", RemovableProblem.MOUNT_FAILED),
        (StickFault.NOT_AUTHORIZED, "mount", RemovableProblem.NOT_AUTHORIZED),
        (StickFault.BUSY, "unmount", RemovableProblem.BUSY),
        (StickFault.NO_UDISKS, "sticks", RemovableProblem.UNAVAILABLE),
    ],
)
def test_faults_of_mounting_and_unmounting(
    fake: FakeRemovableMedia, fault: StickFault, action: str, kind: RemovableProblem
) -> None:
    (stick,) = fake.sticks()
    fake.set_faults(fault)
    calls = {
        "mount": lambda: fake.mount(stick),
        "unmount": lambda: fake.unmount(stick),
        "sticks": fake.sticks,
    }
    with pytest.raises(RemovableError) as failed:
        calls[action]()
    fake.set_faults()
    assert failed.value.kind is kind
    assert fake.sticks() == (stick,)  # nothing changed, and the fault cleared


def test_no_udisks_is_not_available(fake: FakeRemovableMedia) -> None:
    fake.set_faults(StickFault.NO_UDISKS)
    assert not fake.available()


# --- StickWriter --------------------------------------------------------------------------------


class _Failing:
    """A partial file whose writes fail with ``code``."""

    def __init__(self, code: int) -> None:
        self._code = code
        self.closed = False

    def write(self, data: bytes, /) -> int:
        raise OSError(self._code, "simulated")

    def flush(self) -> None:
        return None

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "no descriptor")

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("code", "present", "kind"),
    [
        (errno.ENOSPC, True, RemovableProblem.FULL),
        (errno.EDQUOT, True, RemovableProblem.FULL),
        (errno.EFBIG, True, RemovableProblem.FILE_TOO_LARGE),  # FAT32's 4 GiB per file
        (errno.EROFS, True, RemovableProblem.READ_ONLY),
        (errno.EIO, True, RemovableProblem.IO_ERROR),  # there, but failing
        (errno.EIO, False, RemovableProblem.REMOVED),  # gone
        (errno.ENODEV, False, RemovableProblem.REMOVED),
    ],
)
def test_write_errors_are_named_by_errno_and_by_whether_the_stick_is_there(
    tmp_path: Path, code: int, present: bool, kind: RemovableProblem
) -> None:
    failing = _Failing(code)
    writer = StickWriter(tmp_path, NAME, lambda: present, lambda _path: failing)
    with pytest.raises(RemovableError) as failed:
        writer.write(b"data")
    assert failed.value.kind is kind
    assert failing.closed


def test_a_presence_check_that_fails_does_not_hide_the_write_error(tmp_path: Path) -> None:
    def broken() -> bool:
        raise RuntimeError("the bus is gone too")

    writer = StickWriter(tmp_path, NAME, broken, lambda _path: _Failing(errno.EIO))
    with pytest.raises(RemovableError) as failed:
        writer.write(b"data")
    assert failed.value.kind is RemovableProblem.IO_ERROR


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        ".hidden",
        "a/b",
        "a\\b",
        "con:1",
        "what?",
        "tab\there",
        "dot.",
        "space ",
        "é" * 130,
    ],
)
def test_names_no_stick_can_hold_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="cannot name a file"):
        check_name(name)


def test_ordinary_names_pass() -> None:
    assert check_name(NAME) == NAME
    assert check_name("Nhật ký kỹ thuật 2026.txt") == "Nhật ký kỹ thuật 2026.txt"
