"""``UDisksMedia`` against a fake udisks2 on a private D-Bus bus: which block devices are sticks,
what mounting and unmounting send, powering off, writing on the mount, and each trouble as
its ``RemovableProblem``: a busy stick, a failed or refused mount, a stick pulled out (stale
``Stick``, mid-write), no udisks2, no bus.

No test sleeps: the fake is waited for by the line it prints, and every call is synchronous.
"""

from __future__ import annotations

import shutil
import tarfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from dbus_fakes.harness import PrivateBus
from dbus_fakes.sticks import (
    ENCRYPTED,
    GB,
    IGNORED,
    INTERNAL_DISK,
    KIOSK_STICK,
    TWO_PARTITIONS,
    block,
    drive,
    scenario,
    udisks,
    unplug,
)
from dbus_fakes.wifi import private_bus

from drivers.removable.base import RemovableError, RemovableProblem, Stick
from drivers.removable.udisks import UDisksMedia

QUIET = {"auth.no_user_interaction": ["b", True]}


@pytest.fixture(scope="module")
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBus]:
    with private_bus(tmp_path_factory.mktemp("bus")) as daemon:
        yield daemon


def by_device(sticks: tuple[Stick, ...]) -> dict[str, Stick]:
    return {s.device: s for s in sticks}


def only(calls: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(calls) == 1, calls
    return calls[0]


def test_only_filesystems_on_usb_sticks_are_listed(bus: PrivateBus, tmp_path: Path) -> None:
    spec = scenario(tmp_path, INTERNAL_DISK, KIOSK_STICK, TWO_PARTITIONS, ENCRYPTED, IGNORED)
    with udisks(bus, spec) as (media, _service):
        assert media.available()
        sticks = media.sticks()
    assert [s.device for s in sticks] == ["/dev/sdb1", "/dev/sdc1", "/dev/sdc2"]
    kiosk = by_device(sticks)["/dev/sdb1"]
    assert kiosk == Stick(
        key="/org/freedesktop/UDisks2/block_devices/sdb1",
        device="/dev/sdb1",
        label="KIOSK",
        filesystem="vfat",
        size_bytes=16 * GB,
        free_bytes=None,
        mounted_at=None,
        read_only=False,
        drive="SanDisk Cruzer Blade",
    )
    unlabelled = by_device(sticks)["/dev/sdc2"]
    assert unlabelled.filesystem == "ntfs"
    assert unlabelled.name == "Kingston DataTraveler 3.0"


def test_mounting_asks_quietly_for_noexec_and_returns_the_mount(
    bus: PrivateBus, tmp_path: Path
) -> None:
    with udisks(bus, scenario(tmp_path, KIOSK_STICK)) as (media, service):
        (stick,) = media.sticks()
        where = media.mount(stick)
        again = media.mount(stick)  # already mounted: no second Mount
        (mounted,) = media.sticks()
        call = only(service.calls_to("Mount"))
    assert where == tmp_path / "KIOSK"
    assert again == where
    assert call["options"] == {**QUIET, "options": ["s", "noexec"]}
    assert call["path"] == stick.key
    assert mounted.mounted_at == where
    assert mounted.free_bytes is not None
    assert mounted.free_bytes > 0


def test_a_stick_mounted_by_someone_else_is_used_where_it_is(
    bus: PrivateBus, tmp_path: Path
) -> None:
    automounted = drive("Toshiba_TransMemory_1234", "Toshiba", "TransMemory")
    automounted["blocks"] = [block("sdf1", "AUTO", mounted=True)]
    with udisks(bus, scenario(tmp_path, automounted)) as (media, service):
        (stick,) = media.sticks()
        where = media.mount(stick)
        mounts = service.calls_to("Mount")
    assert stick.mounted_at == tmp_path / "AUTO"
    assert where == tmp_path / "AUTO"
    assert mounts == []


def test_an_export_written_on_the_mount_reads_back_whole(bus: PrivateBus, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB
    with udisks(bus, scenario(tmp_path, KIOSK_STICK)) as (media, _service):
        (stick,) = media.sticks()
        where = media.mount(stick)
        name = "K01-20261208-090000.dvcexport"
        # Exit order matters and is right: the archive writes its end blocks, then the file
        # is committed.
        with media.open_write(stick, name) as out, tarfile.open(fileobj=out, mode="w|") as archive:
            member = tarfile.TarInfo("manifest.json")
            member.size = len(payload)
            archive.addfile(member, BytesIO(payload))
        written = out.written
    exported = where / "K01-20261208-090000.dvcexport"
    with tarfile.open(exported, mode="r|") as archive:
        member = archive.next()
        assert member is not None
        extracted = archive.extractfile(member)
        assert extracted is not None
        assert extracted.read() == payload
    assert sorted(p.name for p in where.iterdir()) == [exported.name]  # no ".part" left
    assert written == exported.stat().st_size


def test_unmounting_powers_the_stick_off_and_it_leaves_the_list(
    bus: PrivateBus, tmp_path: Path
) -> None:
    with udisks(bus, scenario(tmp_path, KIOSK_STICK, TWO_PARTITIONS)) as (media, service):
        stick = by_device(media.sticks())["/dev/sdb1"]
        media.mount(stick)
        media.unmount(stick)
        left = [s.device for s in media.sticks()]
        unmount = only(service.calls_to("Unmount"))
        power_off = only(service.calls_to("PowerOff"))
        state = service.state()
    assert unmount["options"] == QUIET
    assert power_off["options"] == QUIET
    assert power_off["path"] == "/org/freedesktop/UDisks2/drives/SanDisk_Cruzer_Blade_4C5300011"
    assert left == ["/dev/sdc1", "/dev/sdc2"]
    assert state["drives"] == ["Kingston_DataTraveler_3_2e0_E0D55EA5"]


def test_unmounting_without_power_off_keeps_it_listed_and_twice_is_harmless(
    bus: PrivateBus, tmp_path: Path
) -> None:
    with udisks(bus, scenario(tmp_path, KIOSK_STICK)) as (media, service):
        (stick,) = media.sticks()
        media.mount(stick)
        media.unmount(stick, power_off=False)
        media.unmount(stick, power_off=False)
        (still,) = media.sticks()
        with pytest.raises(RemovableError) as not_mounted:
            media.open_write(still, "late.txt")
        unmounts = service.calls_to("Unmount")
        powered = service.calls_to("PowerOff")
    assert still.mounted_at is None
    assert len(unmounts) == 1
    assert powered == []
    assert not_mounted.value.kind is RemovableProblem.NOT_MOUNTED


def test_a_second_partition_still_mounted_keeps_the_stick_powered(
    bus: PrivateBus, tmp_path: Path
) -> None:
    with udisks(bus, scenario(tmp_path, TWO_PARTITIONS)) as (media, service):
        first, second = media.sticks()
        media.mount(first)
        media.mount(second)
        media.unmount(first)  # PowerOff refused (DeviceBusy): fine, first is safe
        listed = [s.device for s in media.sticks()]
        refused = only(service.calls_to("PowerOff"))
    assert refused["path"].endswith("Kingston_DataTraveler_3_2e0_E0D55EA5")
    assert listed == ["/dev/sdc1", "/dev/sdc2"]


@pytest.mark.parametrize(
    ("setting", "kind", "words"),
    [
        ({"mount": "fails"}, RemovableProblem.MOUNT_FAILED, "bad superblock"),
        ({"mount": "not_authorized"}, RemovableProblem.NOT_AUTHORIZED, "NotAuthorizedCanObtain"),
    ],
)
def test_a_mount_that_fails_says_why(
    bus: PrivateBus, tmp_path: Path, setting: dict[str, str], kind: RemovableProblem, words: str
) -> None:
    with udisks(bus, scenario(tmp_path, KIOSK_STICK, **setting)) as (media, _service):
        (stick,) = media.sticks()
        with pytest.raises(RemovableError) as failed:
            media.mount(stick)
    assert failed.value.kind is kind
    assert words in failed.value.technical


def test_mount_options_udisks_refuses_are_a_failed_mount(bus: PrivateBus, tmp_path: Path) -> None:
    with udisks(bus, scenario(tmp_path, KIOSK_STICK)) as (_media, service):
        media = UDisksMedia(service.address, mount_options="noexec,suid")
        (stick,) = media.sticks()
        with pytest.raises(RemovableError) as refused:
            media.mount(stick)
    assert refused.value.kind is RemovableProblem.MOUNT_FAILED
    assert "OptionNotPermitted" in refused.value.technical


def test_a_busy_stick_is_not_unmounted(bus: PrivateBus, tmp_path: Path) -> None:
    with udisks(bus, scenario(tmp_path, KIOSK_STICK, unmount="busy")) as (media, service):
        (stick,) = media.sticks()
        media.mount(stick)
        with pytest.raises(RemovableError) as busy:
            media.unmount(stick)
        (still,) = media.sticks()
        powered = service.calls_to("PowerOff")
    assert busy.value.kind is RemovableProblem.BUSY
    assert still.mounted_at is not None
    assert powered == []


def test_a_write_protected_stick_is_read_only(bus: PrivateBus, tmp_path: Path) -> None:
    locked = drive(
        "Lexar_JumpDrive_0001", "Lexar", "JumpDrive", block("sdg1", "LOCKED", read_only=True)
    )
    with udisks(bus, scenario(tmp_path, locked)) as (media, _service):
        (stick,) = media.sticks()
        media.mount(stick)
        with pytest.raises(RemovableError) as locked_out:
            media.open_write(stick, "export.dvcexport")
    assert stick.read_only
    assert locked_out.value.kind is RemovableProblem.READ_ONLY


def test_a_stick_pulled_out_is_removed_for_every_operation(bus: PrivateBus, tmp_path: Path) -> None:
    with udisks(bus, scenario(tmp_path, KIOSK_STICK)) as (media, service):
        (stick,) = media.sticks()
        unplug(service, "SanDisk_Cruzer_Blade_4C5300011")
        listed = media.sticks()
        problems = []
        for action in (media.mount, media.unmount, lambda s: media.open_write(s, "x.txt")):
            with pytest.raises(RemovableError) as gone:
                action(stick)
            problems.append(gone.value.kind)
    assert listed == ()
    assert problems == [RemovableProblem.REMOVED] * 3


def test_a_stick_pulled_out_before_the_file_is_saved_leaves_no_file_and_says_removed(
    bus: PrivateBus, tmp_path: Path
) -> None:
    with udisks(bus, scenario(tmp_path, KIOSK_STICK)) as (media, service):
        (stick,) = media.sticks()
        where = media.mount(stick)
        writer = media.open_write(stick, "export.dvcexport")
        writer.write(b"x" * 4096)
        unplug(service, "SanDisk_Cruzer_Blade_4C5300011")
        shutil.rmtree(where)  # the mount point goes with the stick
        with pytest.raises(RemovableError) as gone:
            writer.commit()
    assert gone.value.kind is RemovableProblem.REMOVED
    assert "export.dvcexport" in gone.value.technical
    assert not (where / "export.dvcexport").exists()


def test_without_udisks_or_a_bus_there_is_nothing_to_manage(
    bus: PrivateBus, tmp_path: Path
) -> None:
    no_udisks = UDisksMedia(bus.address)
    no_bus = UDisksMedia(f"unix:path={tmp_path / 'no-bus'}")
    with pytest.raises(RemovableError) as not_running:
        no_udisks.sticks()
    with pytest.raises(RemovableError) as nothing:
        no_bus.sticks()
    assert not no_udisks.available()
    assert not no_bus.available()
    assert not_running.value.kind is RemovableProblem.UNAVAILABLE
    assert "org.freedesktop.UDisks2 is not on the bus" in not_running.value.technical
    assert nothing.value.kind is RemovableProblem.UNAVAILABLE
