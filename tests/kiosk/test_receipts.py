"""Local receipt numbers: format, daily sequence, durability and uniqueness across processes."""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
from datetime import date
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from kiosk.receipts import ReceiptNumbers

DAY = date(2026, 11, 23)
PER_WORKER = 50
WORKERS = 4


def allocate_many(db_path: str, start: Barrier, queue: Queue[list[str]]) -> None:
    """Spawned worker: wait for the others, then allocate PER_WORKER numbers for DAY."""
    numbers = ReceiptNumbers(Path(db_path), "KIOSK01")
    start.wait(timeout=60)
    queue.put([numbers.allocate(DAY) for _ in range(PER_WORKER)])


def test_format(tmp_path: Path) -> None:
    numbers = ReceiptNumbers(tmp_path / "receipts.db", "KIOSK01")
    assert numbers.allocate(DAY) == "KIOSK01-261123-0001"
    assert numbers.allocate(date(2027, 1, 5)) == "KIOSK01-270105-0001"


def test_sequence_increments(tmp_path: Path) -> None:
    numbers = ReceiptNumbers(tmp_path / "receipts.db", "XA02")
    assert [numbers.allocate(DAY) for _ in range(3)] == [
        "XA02-261123-0001",
        "XA02-261123-0002",
        "XA02-261123-0003",
    ]


def test_sequence_restarts_each_day(tmp_path: Path) -> None:
    numbers = ReceiptNumbers(tmp_path / "receipts.db", "KIOSK01")
    numbers.allocate(DAY)
    numbers.allocate(DAY)
    assert numbers.allocate(date(2026, 11, 24)) == "KIOSK01-261124-0001"
    # Going back to an earlier day continues that day's count, never reuses a number.
    assert numbers.allocate(DAY) == "KIOSK01-261123-0003"
    assert numbers.allocate(date(2026, 11, 24)) == "KIOSK01-261124-0002"


def test_sequence_beyond_four_digits_is_still_unique(tmp_path: Path) -> None:
    db = tmp_path / "receipts.db"
    numbers = ReceiptNumbers(db, "KIOSK01")
    numbers.allocate(DAY)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE receipt_counter SET last = 9999")
    conn.close()
    assert numbers.allocate(DAY) == "KIOSK01-261123-10000"


def test_survives_reopening_the_database(tmp_path: Path) -> None:
    db = tmp_path / "state" / "receipts.db"  # the parent directory is created
    first = ReceiptNumbers(db, "KIOSK01")
    assert first.allocate(DAY) == "KIOSK01-261123-0001"
    assert first.allocate(DAY) == "KIOSK01-261123-0002"
    del first
    again = ReceiptNumbers(db, "KIOSK01")
    assert again.allocate(DAY) == "KIOSK01-261123-0003"


def test_two_objects_on_one_file_share_the_counter(tmp_path: Path) -> None:
    db = tmp_path / "receipts.db"
    app, cli = ReceiptNumbers(db, "KIOSK01"), ReceiptNumbers(db, "KIOSK01")
    got = [app.allocate(DAY), cli.allocate(DAY), app.allocate(DAY), cli.allocate(DAY)]
    assert got == [f"KIOSK01-261123-{i:04d}" for i in range(1, 5)]


def test_separate_databases_are_independent(tmp_path: Path) -> None:
    one = ReceiptNumbers(tmp_path / "a.db", "KIOSK01")
    two = ReceiptNumbers(tmp_path / "b.db", "KIOSK02")
    assert one.allocate(DAY) == "KIOSK01-261123-0001"
    assert two.allocate(DAY) == "KIOSK02-261123-0001"


def test_unique_across_processes(tmp_path: Path) -> None:
    db = tmp_path / "receipts.db"
    ReceiptNumbers(db, "KIOSK01")  # create the schema before the race
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(WORKERS)
    queue: Queue[list[str]] = ctx.Queue()
    workers = [
        ctx.Process(target=allocate_many, args=(str(db), start, queue)) for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    try:
        batches = [queue.get(timeout=120) for _ in range(WORKERS)]
    finally:
        for worker in workers:
            worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0] * WORKERS

    numbers = [n for batch in batches for n in batch]
    assert len(numbers) == WORKERS * PER_WORKER
    assert len(set(numbers)) == len(numbers)
    pattern = re.compile(r"^KIOSK01-261123-([0-9]{4})$")
    sequences = []
    for number in numbers:
        match = pattern.match(number)
        assert match, number
        sequences.append(int(match[1]))
    assert sorted(sequences) == list(range(1, WORKERS * PER_WORKER + 1))
    # Each worker saw its own numbers in increasing order.
    for batch in batches:
        assert batch == sorted(batch)
    # And the next number continues after all of them.
    assert ReceiptNumbers(db, "KIOSK01").allocate(DAY) == "KIOSK01-261123-0201"


def test_a_restarted_counter_skips_numbers_the_outbox_holds(tmp_path: Path) -> None:
    # The counter file was lost (or restored from an old backup) while the outbox kept its
    # dossiers: the numbers they hold are never handed out again.
    held = {"KIOSK01-261123-0001", "KIOSK01-261123-0002", "KIOSK01-261123-0004"}
    numbers = ReceiptNumbers(tmp_path / "receipts.sqlite3", "KIOSK01", taken=held.__contains__)
    assert [numbers.allocate(DAY) for _ in range(3)] == [
        "KIOSK01-261123-0003",
        "KIOSK01-261123-0005",
        "KIOSK01-261123-0006",
    ]
