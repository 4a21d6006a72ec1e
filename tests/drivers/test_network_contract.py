"""One contract for every ``WifiControl``, run against ``FakeWifiControl`` and against the real
``NetworkManagerWifi`` talking to a fake NetworkManager on a private D-Bus bus
(``dbus_fakes.fake_nm``): the UI's tests use the fake, so it must behave as the driver does.

Each case builds one ``Scenario`` (access points with the keys they accept, saved profiles, the
network connected to) both ways and makes the same assertions: the list the screen shows, a
join that works, a refused key that leaves nothing saved, malformed and missing keys refused
before anything is tried, enterprise networks refused, a saved profile used without a key, a
new key replacing the old profile, forgetting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from dbus_fakes.harness import PrivateBus
from dbus_fakes.wifi import (
    CAFE,
    ENTERPRISE,
    OFFICE,
    POST,
    Ap,
    Scenario,
    network_manager,
    private_bus,
)

from drivers.network.base import (
    NetworkError,
    NetworkProblem,
    Security,
    WifiControl,
    WifiNetwork,
    WifiStatus,
)

Rig = Callable[[Scenario], AbstractContextManager[WifiControl]]


@pytest.fixture(scope="module")
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBus]:
    with private_bus(tmp_path_factory.mktemp("bus")) as daemon:
        yield daemon


@pytest.fixture(params=["fake", "networkmanager"])
def rig(request: pytest.FixtureRequest) -> Rig:
    if request.param == "fake":

        @contextmanager
        def fake(scenario: Scenario) -> Iterator[WifiControl]:
            yield scenario.fake()

        return fake
    daemon: PrivateBus = request.getfixturevalue("bus")

    @contextmanager
    def real(scenario: Scenario) -> Iterator[WifiControl]:
        with network_manager(daemon, scenario) as (wifi, _service):
            yield wifi

    return real


def by_ssid(networks: tuple[WifiNetwork, ...]) -> dict[str, WifiNetwork]:
    return {n.ssid: n for n in networks}


def test_the_list_shows_each_name_once_strongest_first_with_its_security(rig: Rig) -> None:
    with rig(Scenario(saved=(CAFE.ssid,))) as wifi:
        assert wifi.available()
        networks = wifi.networks()
    # The office SSID has a 2.4 GHz (82 %) and a 5 GHz (55 %) access point: one line, at 82 %.
    assert [n.ssid for n in networks] == [OFFICE.ssid, ENTERPRISE.ssid, CAFE.ssid, POST.ssid]
    shown = by_ssid(networks)
    assert shown[OFFICE.ssid].signal == 82
    assert shown[OFFICE.ssid].frequency_mhz == 2437
    assert {n.ssid: n.security for n in networks} == {
        OFFICE.ssid: Security.WPA_PSK,
        ENTERPRISE.ssid: Security.WPA_EAP,
        CAFE.ssid: Security.OPEN,
        POST.ssid: Security.SAE,
    }
    assert [n.ssid for n in networks if n.saved] == [CAFE.ssid]
    assert not any(n.active for n in networks)


def test_joining_with_the_right_key_connects_and_saves(rig: Rig) -> None:
    with rig(Scenario()) as wifi:
        status = wifi.join(OFFICE.ssid, OFFICE.key)
        networks = by_ssid(wifi.networks())
        again = wifi.status()
    assert status.device is not None
    assert status.device.ssid == OFFICE.ssid
    assert status.connection == OFFICE.ssid
    assert status.ipv4 is not None
    assert networks[OFFICE.ssid].active
    assert networks[OFFICE.ssid].saved
    assert again == status


def test_a_refused_key_says_so_and_leaves_nothing_saved(rig: Rig) -> None:
    with rig(Scenario()) as wifi:
        with pytest.raises(NetworkError) as refused:
            wifi.join(OFFICE.ssid, "not-the-key")
        networks = by_ssid(wifi.networks())
        status = wifi.status()
    assert refused.value.kind is NetworkProblem.WRONG_PASSPHRASE
    assert "NO_SECRETS" in refused.value.technical
    assert not networks[OFFICE.ssid].saved
    assert not networks[OFFICE.ssid].active
    assert isinstance(status, WifiStatus)
    assert status.connection is None


@pytest.mark.parametrize(
    ("ssid", "key", "kind"),
    [
        (OFFICE.ssid, "short", NetworkProblem.INVALID_PASSPHRASE),  # WPA needs 8-63
        (OFFICE.ssid, "x" * 64, NetworkProblem.INVALID_PASSPHRASE),  # 64 must be hex
        (OFFICE.ssid, "mật khẩu dài", NetworkProblem.INVALID_PASSPHRASE),  # not ASCII
        (OFFICE.ssid, None, NetworkProblem.PASSPHRASE_REQUIRED),
        (OFFICE.ssid, "", NetworkProblem.PASSPHRASE_REQUIRED),
        (ENTERPRISE.ssid, "whatever-long", NetworkProblem.UNSUPPORTED_SECURITY),
        ("Not-Here", "whatever-long", NetworkProblem.NOT_FOUND),
    ],
)
def test_what_cannot_work_is_refused_before_trying(
    rig: Rig, ssid: str, key: str | None, kind: NetworkProblem
) -> None:
    with rig(Scenario()) as wifi:
        with pytest.raises(NetworkError) as refused:
            wifi.join(ssid, key)
        networks = wifi.networks()
    assert refused.value.kind is kind
    assert not any(n.saved or n.active for n in networks)


def test_a_64_digit_hex_key_is_a_raw_psk_and_is_accepted_as_such(rig: Rig) -> None:
    raw = "0123456789abcdef" * 4
    scenario = Scenario(aps=(Ap(OFFICE.ssid, 80, Security.WPA_PSK, raw),))
    with rig(scenario) as wifi:
        status = wifi.join(OFFICE.ssid, raw)
    assert status.device is not None
    assert status.device.ssid == OFFICE.ssid


def test_open_and_wpa3_networks_join(rig: Rig) -> None:
    with rig(Scenario()) as wifi:
        cafe = wifi.join(CAFE.ssid)
        post = wifi.join(POST.ssid, POST.key)
        networks = by_ssid(wifi.networks())
    assert cafe.device is not None
    assert cafe.device.ssid == CAFE.ssid
    assert post.device is not None
    assert post.device.ssid == POST.ssid
    assert networks[POST.ssid].active
    assert not networks[CAFE.ssid].active
    assert networks[CAFE.ssid].saved


def test_a_saved_network_joins_without_a_key(rig: Rig) -> None:
    with rig(Scenario(saved=(OFFICE.ssid,))) as wifi:
        status = wifi.join(OFFICE.ssid)
    assert status.device is not None
    assert status.device.ssid == OFFICE.ssid


def test_a_new_key_that_works_replaces_the_saved_one_and_a_wrong_one_keeps_it(rig: Rig) -> None:
    with rig(Scenario(saved=(OFFICE.ssid,))) as wifi:
        with pytest.raises(NetworkError):
            wifi.join(OFFICE.ssid, "the-new-wrong-key")
        kept = by_ssid(wifi.networks())[OFFICE.ssid].saved
        wifi.join(OFFICE.ssid, OFFICE.key)
        forgotten = wifi.forget(OFFICE.ssid)
    assert kept
    assert forgotten == 1  # one profile for the SSID, not two


def test_forgetting_disconnects_and_unsaves(rig: Rig) -> None:
    with rig(Scenario(saved=(OFFICE.ssid, CAFE.ssid), connected_to=OFFICE.ssid)) as wifi:
        before = by_ssid(wifi.networks())
        assert wifi.forget(OFFICE.ssid) == 1
        assert wifi.forget(OFFICE.ssid) == 0
        after = by_ssid(wifi.networks())
        status = wifi.status()
    assert before[OFFICE.ssid].active
    assert before[OFFICE.ssid].saved
    assert not after[OFFICE.ssid].saved
    assert not after[OFFICE.ssid].active
    assert after[CAFE.ssid].saved
    assert isinstance(status, WifiStatus)
    assert status.connection is None


def test_joining_the_network_already_in_use_keeps_the_connection(rig: Rig) -> None:
    with rig(Scenario(saved=(OFFICE.ssid,), connected_to=OFFICE.ssid)) as wifi:
        status = wifi.join(OFFICE.ssid)
    assert status.device is not None
    assert status.device.ssid == OFFICE.ssid
    assert status.ipv4 is not None


def test_an_ssid_no_network_can_have_is_a_programming_error(rig: Rig) -> None:
    with rig(Scenario()) as wifi:
        with pytest.raises(ValueError, match="1-32 bytes"):
            wifi.join("")
        with pytest.raises(ValueError, match="1-32 bytes"):
            wifi.forget("Đ" * 17)  # 34 bytes in UTF-8
