"""``FakeWifiControl``'s faults, which the technician screen's tests inject: each one shows up
the way the real driver reports the same trouble, can be switched on and off while the fake is
in use, and leaves no profile behind when a join fails. (Its ordinary behaviour is held to the
real driver's by ``test_network_contract``.)"""

from __future__ import annotations

import pytest
from dbus_fakes.wifi import CAFE, OFFICE, Scenario

from drivers.network.base import (
    NetworkError,
    NetworkProblem,
    Security,
    Unavailable,
    UnavailableReason,
    WifiStatus,
)
from drivers.network.fake import FakeNetwork, FakeWifiControl, WifiFault


def test_no_network_manager_is_unavailable_everywhere() -> None:
    wifi = Scenario().fake()
    wifi.set_faults(WifiFault.NO_NETWORK_MANAGER)
    status = wifi.status()
    with pytest.raises(NetworkError) as listing:
        wifi.networks()
    assert not wifi.available()
    assert isinstance(status, Unavailable)
    assert status.reason is UnavailableReason.NOT_RUNNING
    assert listing.value.kind is NetworkProblem.UNAVAILABLE


def test_no_adapter_and_radio_off_read_as_the_real_driver_reports_them() -> None:
    wifi = Scenario().fake()
    wifi.set_faults(WifiFault.NO_WIFI_DEVICE)
    no_adapter = wifi.status()
    with pytest.raises(NetworkError) as missing:
        wifi.scan()
    wifi.set_faults(WifiFault.RADIO_OFF)
    radio_off = wifi.status()
    with pytest.raises(NetworkError) as off:
        wifi.join(OFFICE.ssid, OFFICE.key)
    assert isinstance(no_adapter, WifiStatus)
    assert no_adapter.device is None
    assert missing.value.kind is NetworkProblem.NO_WIFI_DEVICE
    assert isinstance(radio_off, WifiStatus)
    assert not radio_off.wifi_enabled
    assert radio_off.device is not None
    assert off.value.kind is NetworkProblem.WIFI_DISABLED


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (WifiFault.WRONG_PASSPHRASE, NetworkProblem.WRONG_PASSPHRASE),
        (WifiFault.TIMEOUT, NetworkProblem.TIMEOUT),
        (WifiFault.NO_ADDRESS, NetworkProblem.NO_ADDRESS),
        (WifiFault.PERMISSION_DENIED, NetworkProblem.PERMISSION_DENIED),
    ],
)
def test_a_failing_join_saves_nothing_and_works_once_the_fault_clears(
    fault: WifiFault, kind: NetworkProblem
) -> None:
    wifi = Scenario().fake()
    wifi.set_faults(fault)
    with pytest.raises(NetworkError) as failed:
        wifi.join(OFFICE.ssid, OFFICE.key)  # the right key: the fault is what fails it
    saved_after_failure = {n.ssid for n in wifi.networks() if n.saved}
    wifi.set_faults()
    status = wifi.join(OFFICE.ssid, OFFICE.key)
    assert failed.value.kind is kind
    assert saved_after_failure == set()
    assert status.device is not None
    assert status.device.ssid == OFFICE.ssid
    assert wifi.joins == [(OFFICE.ssid, True), (OFFICE.ssid, True)]


def test_a_malformed_key_is_refused_before_any_fault() -> None:
    wifi = Scenario().fake()
    wifi.set_faults(WifiFault.TIMEOUT)
    with pytest.raises(NetworkError) as refused:
        wifi.join(OFFICE.ssid, "short")
    assert refused.value.kind is NetworkProblem.INVALID_PASSPHRASE


def test_networks_can_come_into_range_and_scans_are_counted() -> None:
    wifi = FakeWifiControl([FakeNetwork(CAFE.ssid, 40, Security.OPEN)])
    before = [n.ssid for n in wifi.scan()]
    wifi.add_network(FakeNetwork("Nha-Van-Hoa", 90, Security.WPA_PSK, "vanhoa-2026"))
    after = [n.ssid for n in wifi.scan()]
    assert before == [CAFE.ssid]
    assert after == ["Nha-Van-Hoa", CAFE.ssid]
    assert wifi.scans == 2


def test_a_connected_network_must_be_a_saved_one() -> None:
    with pytest.raises(ValueError, match="saved"):
        FakeWifiControl([FakeNetwork(CAFE.ssid, 40, Security.OPEN)], connected_to=CAFE.ssid)
