"""The console's dossier list at a province's scale: the store query behind one page of
``/console/dossiers``, before (every dossier read, filtered and paged in Python, as the console
did) and after (``Store.dossier_page``: filtered, counted and paged in the database).

A province's fleet (300 communes in 10 districts, one kiosk each, and 5 kiosks with no unit yet)
and 20,000 then 100,000 dossiers with bodies of about 1.5 KB (a tenth still awaiting their files,
the rest registered, a few moved on), on SQLite (the gateway's own file, WAL, as it runs) and on
PostgreSQL (a throwaway cluster of Debian's server). The dossiers are loaded in bulk beside the
store, then every list is asked through the store's own methods. Each case is timed ``--runs``
times (``--runs-before`` for the slow "before"), reporting the median in milliseconds:

- province: a province administrator's first page, no filter (the console's landing page);
- province, last page: the same, paged to the end (``OFFSET`` deep);
- district: a district technician's first page;
- commune: a commune's staff, first page;
- commune, processing: that commune's dossiers in one status;
- search: an official code typed whole, by a province administrator.

    python -m benchmarks.console_list [--sizes 20000 100000] [--runs 15] [--runs-before 3]
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

from dvc_common.clock import VIETNAM
from dvc_common.protocol import ProcessingStatus
from gateway.console.access import covers
from gateway.console.store import StaffRecord, StaffRole
from gateway.store import DossierQuery, DossierRecord, IntakeStatus, Store
from gateway.store_postgres import PostgresStore
from gateway.store_sqlite import DB_NAME, SqliteStore
from simulators.pg_cluster import ThrowawayCluster

PROVINCE = "H15"
DISTRICTS = 10
COMMUNES_PER_DISTRICT = 30
KIOSKS_WITHOUT_UNIT = 5
PAGE_SIZE = 50  # the console's (``gateway.console.web.PAGE_SIZE``)
START = datetime(2026, 1, 5, 7, 30, tzinfo=VIETNAM)


def unit_of(district: int, commune: int) -> str:
    return f"{PROVINCE}.{district + 1:02d}.{commune + 1:02d}.01"


def kiosks() -> list[tuple[str, str | None]]:
    fleet: list[tuple[str, str | None]] = [
        (f"K{d:02d}{c:02d}", unit_of(d, c))
        for d in range(DISTRICTS)
        for c in range(COMMUNES_PER_DISTRICT)
    ]
    fleet += [(f"KNEW{n}", None) for n in range(KIOSKS_WITHOUT_UNIT)]
    return fleet


def body(n: int) -> str:
    """A dossier's body as a kiosk sends it, about 1.5 KB."""
    return json.dumps(
        {
            "procedure_code": "1.001193",
            "procedure_name": "Đăng ký khai sinh",
            "applicant": {
                "full_name": "Nguyễn Thị Minh Khai",
                "id_number": f"0011900{n:05d}",
                "phone": "0912345678",
                "address": "Thôn Đông, xã Yên Phong, huyện Yên Phong, tỉnh Bắc Ninh",
            },
            "documents": [
                {"code": f"doc{i}", "name": f"Giấy tờ số {i}", "pages": 2, "check": None}
                for i in range(8)
            ],
            "notes": "x" * 600,
        },
        ensure_ascii=False,
    )


@dataclass(frozen=True)
class Row:
    dossier_id: str
    client_uuid: str
    kiosk_id: str
    receipt_number: str
    body: str
    intake_status: str
    status: str | None
    dossier_code: str | None
    appointment_date: date | None
    created_at: datetime
    registered_at: datetime | None


def rows(count: int) -> Iterator[Row]:
    fleet = kiosks()
    per_day: dict[tuple[str, date], int] = {}
    for n in range(count):
        kiosk, unit = fleet[(n * 7919) % len(fleet)]  # spread over the fleet, not in runs
        created = START + timedelta(minutes=2 * n)
        day = created.date()
        number = per_day[(kiosk, day)] = per_day.get((kiosk, day), 0) + 1
        receipt = f"{kiosk}-{day:%y%m%d}-{number:04d}"
        awaiting = n % 10 == 9
        status = None
        if not awaiting:
            status = (
                ProcessingStatus.RETURNED
                if n < count * 0.7
                else ProcessingStatus.PROCESSING
                if n % 3
                else ProcessingStatus.RECEIVED
            )
        issuer = unit or f"{PROVINCE}.99.99.{kiosk[-1]}"  # one kiosk per unit: its numbers
        code = f"{issuer}-{day:%y%m%d}-{number:04d}" if not awaiting else None
        yield Row(
            dossier_id=f"d_{n:08d}",
            client_uuid=f"c-{n:08d}",
            kiosk_id=kiosk,
            receipt_number=receipt,
            body=body(n),
            intake_status=(
                IntakeStatus.AWAITING_FILES if awaiting else IntakeStatus.RECEIVED
            ).value,
            status=status.value if status is not None else None,
            dossier_code=code,
            appointment_date=None if awaiting else day + timedelta(days=5),
            created_at=created,
            registered_at=None if awaiting else created + timedelta(minutes=1),
        )


def load_sqlite(data_dir: Path, count: int) -> None:
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        conn.executemany(
            "INSERT INTO dossiers(dossier_id, client_uuid, kiosk_id, receipt_number, "
            "procedure_code, body, intake_status, status, dossier_code, appointment_date, "
            "created_at, registered_at) VALUES (?, ?, ?, ?, '1.001193', ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    r.dossier_id, r.client_uuid, r.kiosk_id, r.receipt_number, r.body,
                    r.intake_status, r.status, r.dossier_code,
                    r.appointment_date.isoformat() if r.appointment_date else None,
                    r.created_at.isoformat(),
                    r.registered_at.isoformat() if r.registered_at else None,
                )
                for r in rows(count)
            ),
        )  # fmt: skip
        conn.execute("ANALYZE")
    conn.close()


def load_postgres(url: str, count: int) -> None:
    offset = 7 * 3600
    with psycopg.connect(url) as conn:
        with conn.cursor().copy(
            "COPY dossiers (dossier_id, client_uuid, kiosk_id, receipt_number, procedure_code, "
            "body, intake_status, status, dossier_code, appointment_date, created_at, "
            "created_at_offset, registered_at, registered_at_offset) FROM STDIN"
        ) as copy:
            for r in rows(count):
                copy.write_row(
                    (
                        r.dossier_id, r.client_uuid, r.kiosk_id, r.receipt_number, "1.001193",
                        r.body, r.intake_status, r.status, r.dossier_code, r.appointment_date,
                        r.created_at, offset, r.registered_at,
                        offset if r.registered_at else None,
                    )
                )  # fmt: skip
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


# --- what the console asks -----------------------------------------------------------------------


def staff(role: StaffRole, prefix: str) -> StaffRecord:
    return StaffRecord("bench", "Bench", role, prefix, "", True, START)


@dataclass(frozen=True)
class Case:
    name: str
    staff: StaffRecord
    search: str = ""
    status: ProcessingStatus | None = None
    last_page: bool = False


def cases(search_code: str) -> list[Case]:
    admin = staff(StaffRole.PROVINCE_ADMIN, PROVINCE)
    commune = staff(StaffRole.COMMUNE_STAFF, unit_of(3, 7))
    return [
        Case("province", admin),
        Case("province, last page", admin, last_page=True),
        Case("district", staff(StaffRole.DISTRICT_TECHNICIAN, f"{PROVINCE}.04")),
        Case("commune", commune),
        Case("commune, processing", commune, status=ProcessingStatus.PROCESSING),
        Case("search", admin, search=search_code),
    ]


def before(store: Store, case: Case, page: int) -> tuple[list[DossierRecord], int]:
    """The console's list as it was: every dossier read, filtered and paged in Python."""
    units = {k.kiosk_id: k.unit_code for k in store.kiosks()}
    needle = case.search.casefold()
    matching = [
        d
        for d in reversed(store.all_dossiers())
        if covers(case.staff, units.get(d.kiosk_id))
        and (
            not needle
            or any(
                c is not None and c.casefold().startswith(needle)
                for c in (d.dossier_code, d.receipt_number)
            )
        )
        and (case.status is None or d.status is case.status)
    ]
    pages = max(1, math.ceil(len(matching) / PAGE_SIZE))
    page = min(page, pages)
    return matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(matching)


def after(store: Store, case: Case, page: int) -> tuple[list[DossierRecord], int]:
    """The console's list now (``gateway.console.web.Console.dossiers``)."""
    query = DossierQuery(
        unit_prefix=case.staff.unit_prefix,
        with_no_unit=covers(case.staff, None),
        search=case.search,
        status=case.status,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    found = store.dossier_page(query)
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    if page > pages:
        found = store.dossier_page(replace(query, offset=(pages - 1) * PAGE_SIZE))
    return [listed.dossier for listed in found.dossiers], found.total


def median_ms(call: Callable[[], Any], runs: int) -> float:
    call()  # warm: the first run reads the pages into the cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(backend: str, store: Store, count: int, runs: int, runs_before: int) -> None:
    search_code = next(r.dossier_code for r in rows(count // 2 + 1) if r.dossier_code)
    for case in cases(search_code):
        page = 10**6 if case.last_page else 1
        old_rows, old_total = before(store, case, page)
        new_rows, new_total = after(store, case, page)
        # The same page either way, or the comparison means nothing.
        assert (old_total, [d.dossier_id for d in old_rows]) == (
            new_total,
            [d.dossier_id for d in new_rows],
        ), case.name
        slow = median_ms(partial(before, store, case, page), runs_before)
        fast = median_ms(partial(after, store, case, page), runs)
        print(
            f"{backend:<10} {count:>7} {case.name:<22} {new_total:>7} "
            f"{slow:>10.1f} {fast:>9.2f} {slow / fast:>8.0f}x",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--runs-before", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    print(f"{'backend':<10} {'dossiers':>7} {'list':<22} {'matching':>7} "
          f"{'before ms':>10} {'after ms':>9} {'speed-up':>9}")  # fmt: skip
    now = START
    for count in args.sizes:
        if "sqlite" in args.backends:
            with tempfile.TemporaryDirectory(prefix="console-list-") as directory:
                data_dir = Path(directory)
                with SqliteStore(data_dir) as store:
                    for kiosk, unit in kiosks():
                        store.enrol(kiosk, now, unit)
                    load_sqlite(data_dir, count)
                with SqliteStore(data_dir) as store:
                    measure("sqlite", store, count, args.runs, args.runs_before)
        if "postgres" in args.backends:
            with ThrowawayCluster() as cluster:
                url = cluster.create_database("gateway")
                with PostgresStore(url) as store:
                    for kiosk, unit in kiosks():
                        store.enrol(kiosk, now, unit)
                    load_postgres(url, count)
                    measure("postgresql", store, count, args.runs, args.runs_before)


if __name__ == "__main__":
    main()
