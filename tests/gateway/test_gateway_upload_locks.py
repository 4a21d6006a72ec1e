"""The tus upload lock (gateway.locks): one request per upload at a time, within a process
(LocalLocks) and across gateway replicas on one PostgreSQL database (AdvisoryLocks), freed when
the replica holding it dies."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from gateway.locks import LocalLocks, UploadLocks
from gateway.locks_postgres import AdvisoryLocks

Replicas = tuple[AdvisoryLocks, AdvisoryLocks]


@pytest.fixture
def replicas(pg_url: str) -> Iterator[Replicas]:
    """Two instances, two connection pools: as two gateway processes are."""
    first, second = AdvisoryLocks(pg_url), AdvisoryLocks(pg_url)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


async def _second_waits(first: UploadLocks, second: UploadLocks) -> list[str]:
    """While ``first`` holds u_1, ``second`` is refused it after its wait but gets u_2; once
    ``first`` lets go, ``second`` gets u_1."""
    seen: list[str] = []
    async with first.hold("u_1", 1.0) as taken:
        seen.append(f"first {taken}")
        async with second.hold("u_1", 0.2) as refused:
            seen.append(f"second while held {refused}")
        async with second.hold("u_2", 0.2) as other:
            seen.append(f"other upload {other}")
    async with second.hold("u_1", 0.2) as after:
        seen.append(f"second after {after}")
    return seen


EXPECTED = ["first True", "second while held False", "other upload True", "second after True"]


def test_one_process_s_requests_take_turns() -> None:
    locks = LocalLocks()
    assert asyncio.run(_second_waits(locks, locks)) == EXPECTED


def test_two_replicas_on_one_database_take_turns(replicas: Replicas) -> None:
    assert asyncio.run(_second_waits(*replicas)) == EXPECTED


def test_a_waiting_request_gets_the_lock_as_soon_as_it_is_let_go(replicas: Replicas) -> None:
    async def scenario(first: AdvisoryLocks, second: AdvisoryLocks) -> list[str]:
        order: list[str] = []
        taken = asyncio.Event()

        async def holder() -> None:
            async with first.hold("u_1", 1.0):
                taken.set()
                order.append("first in")
                await asyncio.sleep(0)  # let the waiter start waiting on the server
                for _ in range(3):
                    await asyncio.sleep(0)
                order.append("first out")

        async def waiter() -> None:
            await taken.wait()
            async with second.hold("u_1", None) as held:
                order.append(f"second in {held}")

        await asyncio.gather(holder(), waiter())
        return order

    assert asyncio.run(scenario(*replicas)) == ["first in", "first out", "second in True"]


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from gateway.locks_postgres import AdvisoryLocks

    async def main() -> None:
        locks = AdvisoryLocks(sys.argv[1])
        async with locks.hold("u_1", 5.0) as held:
            print("held" if held else "refused", flush=True)
            await asyncio.to_thread(sys.stdin.read)  # until killed

    asyncio.run(main())
    """
)


def test_a_replica_killed_holding_the_lock_frees_it(pg_url: str) -> None:
    locks = AdvisoryLocks(pg_url)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, pg_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as child:  # fmt: skip
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "held"

            async def attempt(wait_s: float) -> bool:
                async with locks.hold("u_1", wait_s) as held:
                    return held

            assert asyncio.run(attempt(0.2)) is False  # the other process holds it
            child.send_signal(signal.SIGKILL)
            child.wait()
            # The server ends the dead replica's session and its locks with it; the wait is a
            # bound, not a pause: the lock is taken as soon as the session is gone.
            assert asyncio.run(attempt(30.0)) is True
        finally:
            if child.poll() is None:
                child.kill()
            locks.close()


def test_more_uploads_than_connections_take_turns_instead_of_timing_out(pg_url: str) -> None:
    """Ten uploads at once on a lock pool of two connections: each waits its turn for a
    connection and gets its lock. The first version waited for connections in asyncio's shared
    threads, where the releases that would free one queued behind the waiters: uploads timed
    out (the load benchmark's collapse at 20 dossiers/s)."""

    async def scenario(locks: AdvisoryLocks) -> list[bool]:
        async def one(n: int) -> bool:
            async with locks.hold(f"u_{n}", 5.0) as held:
                await asyncio.sleep(0)  # hold it across a turn of the loop, as a PATCH does
                return held

        return list(await asyncio.gather(*(one(n) for n in range(10))))

    locks = AdvisoryLocks(pg_url, max_connections=2)
    try:
        assert asyncio.run(scenario(locks)) == [True] * 10
    finally:
        locks.close()


# --- claims: the lock taken at once, on the store threads' trips -----------------------------


def test_a_claim_is_had_only_when_no_request_of_the_process_wants_the_upload() -> None:
    async def scenario(locks: LocalLocks) -> list[object]:
        seen: list[object] = []
        async with locks.hold("u_1", 1.0):
            async with locks.claim("u_1", 1.0) as busy:
                seen.append(busy)
            async with locks.claim("u_2", 1.0) as other:
                seen.append(other is not None and other.take())
        async with locks.claim("u_1", 1.0) as after:
            seen.append(after is not None and after.take())
        return seen

    assert asyncio.run(scenario(LocalLocks())) == [None, True, True]


def test_a_claim_takes_the_lock_across_replicas_on_a_thread_and_gives_it_back_there(
    replicas: Replicas,
) -> None:
    async def attempt(locks: AdvisoryLocks, upload_id: str) -> bool:
        async with locks.hold(upload_id, 0.2) as held:
            return held

    async def scenario(first: AdvisoryLocks, second: AdvisoryLocks) -> list[object]:
        seen: list[object] = []
        async with first.claim("u_1", 1.0) as claim:
            assert claim is not None
            seen.append(await asyncio.to_thread(claim.take))  # as a store thread would
            seen.append(await attempt(second, "u_1"))  # the other replica must wait
            async with second.claim("u_1", 1.0) as elsewhere:
                assert elsewhere is not None  # that process has nothing of u_1 yet…
                seen.append(await asyncio.to_thread(elsewhere.take))  # …but the server has
            await asyncio.to_thread(claim.give_back)
            seen.append(await attempt(second, "u_1"))  # free before the block's end
            seen.append(await asyncio.to_thread(claim.take))  # given back is given back
        return seen

    assert asyncio.run(scenario(*replicas)) == [True, False, False, True, False]


def test_the_end_of_a_claim_gives_back_what_its_trips_did_not(replicas: Replicas) -> None:
    async def scenario(first: AdvisoryLocks, second: AdvisoryLocks) -> list[bool]:
        async with first.claim("u_1", 1.0) as claim:
            assert claim is not None
            taken = await asyncio.to_thread(claim.take)
        async with second.hold("u_1", 5.0) as held:
            return [taken, held]

    assert asyncio.run(scenario(*replicas)) == [True, True]


def test_a_claim_given_back_before_its_trip_takes_nothing(replicas: Replicas) -> None:
    """The block of a cancelled request ends while its store trip has yet to run: that trip
    must not take a lock nobody would give back."""

    async def scenario(first: AdvisoryLocks, second: AdvisoryLocks) -> list[bool]:
        async with first.claim("u_1", 1.0) as claim:
            assert claim is not None
            await asyncio.to_thread(claim.give_back)
            late = await asyncio.to_thread(claim.take)
            async with second.hold("u_1", 0.2) as held:
                return [late, held]

    assert asyncio.run(scenario(*replicas)) == [False, True]


def test_a_claim_waits_its_turn_for_a_lock_connection(pg_url: str) -> None:
    """Every connection in use is load, not another request on the upload: the claim waits
    for a connection (within its bound) instead of sending the PATCH the costlier way."""

    async def scenario(locks: AdvisoryLocks) -> list[object]:
        seen: list[object] = []
        let_go = asyncio.Event()

        async def holder() -> None:
            async with locks.hold("u_1", 1.0) as held:
                seen.append(f"held {held}")
                async with locks.claim("u_2", 0.05) as refused:
                    seen.append(f"claim within 0.05 s {refused}")
                await let_go.wait()
            seen.append("let go")

        async def claimer() -> None:
            while not seen:
                await asyncio.sleep(0)
            waiting = asyncio.ensure_future(_claimed(locks, "u_3", seen))
            while len(seen) < 2:
                await asyncio.sleep(0)
            let_go.set()
            await waiting

        await asyncio.gather(holder(), claimer())
        return seen

    locks = AdvisoryLocks(pg_url, max_connections=1)
    try:
        assert asyncio.run(scenario(locks)) == [
            "held True", "claim within 0.05 s None", "let go", "claimed True"
        ]  # fmt: skip
    finally:
        locks.close()


async def _claimed(locks: AdvisoryLocks, upload_id: str, seen: list[object]) -> None:
    async with locks.claim(upload_id, 30.0) as claim:
        seen.append(f"claimed {claim is not None and await asyncio.to_thread(claim.take)}")
