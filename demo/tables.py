"""Record-level tables for the hosted files: mobility, energy and finance (health: `tables_health`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pyarrow as pa

from demo.columns import (
    BOOL,
    DATE,
    FLOAT,
    INT,
    STR,
    TS,
    days,
    ids,
    money,
    nulls,
    pick,
    stamps,
    table,
)
from demo.geo import sample_places
from demo.tables_health import admissions, prescriptions

QUARTERS = (
    "Gare",
    "Ville-Haute",
    "Bonnevoie",
    "Limpertsberg",
    "Belair",
    "Kirchberg",
    "Hollerich",
    "Merl",
    "Cessange",
    "Gasperich",
    "Eich",
    "Beggen",
    "Pfaffenthal",
    "Clausen",
    "Grund",
    "Hamm",
    "Cents",
)


def bikes(g: np.random.Generator, n: int, start: date, end: date) -> pa.Table:
    stations = g.integers(1, 95, n)
    capacity = 15 + (stations * 7) % 21
    bikes_now = np.minimum(capacity, g.binomial(capacity, 0.45))
    broken = g.binomial(3, 0.1, n)
    return table(
        {
            "station_id": (ids("VELOH-", stations, 3), None, STR),
            "quarter": (np.asarray(QUARTERS, dtype=object)[stations % len(QUARTERS)], None, STR),
            "timestamp": (stamps(g, n, start, end, 600), None, TS),
            "capacity": (capacity, None, INT),
            "bikes_available": (bikes_now, nulls(g, n, 0.01), INT),
            "docks_available": (np.maximum(0, capacity - bikes_now - broken), None, INT),
            "status": (pick(g, ("OPEN", "CLOSED"), n, (97, 3)), None, STR),
        }
    )


def bus(g: np.random.Generator, n: int, start: date, end: date) -> pa.Table:
    lines = [str(k) for k in range(1, 32)] + [str(k) for k in (100, 111, 144, 155, 192, 222, 302, 321, 501, 842)]
    line = pick(g, lines, n)
    rgtr = np.array([len(x) == 3 for x in line.tolist()])
    cancelled = g.random(n) < 0.012
    delay = np.round(g.gamma(1.4, 2.2, n) - 1.5 + rgtr * g.exponential(2.0, n), 1)
    canton, _ = sample_places(g, n)
    return table(
        {
            "line": (line, None, STR),
            "operator": (np.where(rgtr, "RGTR", "AVL").astype(object), None, STR),
            "stop_id": (ids("LU-STOP-", g.integers(1, 2600, n), 5), None, STR),
            "canton": (np.where(rgtr, canton, "Luxembourg").astype(object), None, STR),
            "scheduled_time": (stamps(g, n, start, end, 60), None, TS),
            "delay_minutes": (delay, cancelled | nulls(g, n, 0.02), FLOAT),
            "cancelled": (cancelled, None, BOOL),
        }
    )


def meters(g: np.random.Generator, n: int, start: date, end: date) -> pa.Table:
    pool = 400
    meter = g.integers(0, pool, n)
    canton, commune = sample_places(g, pool)
    kind = pick(g, ("residential", "commercial", "industrial"), pool, (85, 12, 3))
    scale = np.where(kind == "industrial", 40.0, np.where(kind == "commercial", 4.0, 0.12))[meter]
    return table(
        {
            "meter_id": (ids("LU-SM-", meter + 10_000, 7), None, STR),
            "canton": (canton[meter], None, STR),
            "commune": (commune[meter], None, STR),
            "customer_type": (kind[meter], None, STR),
            "tariff": (pick(g, ("standard", "heures creuses", "dynamique"), n, (70, 25, 5)), None, STR),
            "timestamp": (stamps(g, n, start, end, 900), None, TS),
            "kwh": (np.round(g.gamma(2.0, 1.0, n) * scale, 3), nulls(g, n, 0.008), FLOAT),
        }
    )


def charging(g: np.random.Generator, n: int, start: date, end: date) -> pa.Table:
    station = g.integers(1, 900, n)
    _, commune = sample_places(g, 900)
    minutes = np.round(g.lognormal(4.3, 0.8, n)).astype(int)
    connector = pick(g, ("Type 2", "CCS", "CHAdeMO"), n, (80, 18, 2))
    rate = np.where(connector == "Type 2", 9.0, 45.0)
    return table(
        {
            "station_id": (ids("CHARGY-", station, 4), None, STR),
            "commune": (commune[station - 1], None, STR),
            "connector_type": (connector, None, STR),
            "session_start": (stamps(g, n, start, end), None, TS),
            "duration_minutes": (minutes, None, INT),
            "kwh": (
                np.round(np.minimum(minutes / 60 * rate, g.uniform(8, 75, n)), 2),
                nulls(g, n, 0.01),
                FLOAT,
            ),
            "card_id": (ids("RFID-", g.integers(1, n // 3 + 2, n), 7), nulls(g, n, 0.05), STR),
        }
    )


def loans(g: np.random.Generator, n: int, start: date, end: date) -> pa.Table:
    canton, commune = sample_places(g, n)
    purpose = pick(g, ("house purchase", "consumer credit", "renovation", "other"), n, (62, 25, 10, 3))
    amount = np.where(purpose == "house purchase", g.lognormal(12.9, 0.45, n), g.lognormal(9.6, 0.7, n))
    return table(
        {
            "loan_id": (ids("BCL-L-", np.arange(1, n + 1), 8), None, STR),
            "borrower_id": (ids("LU-B-", g.integers(1, n, n), 7), None, STR),
            "borrower_birth_year": (g.integers(1940, 2004, n), nulls(g, n, 0.02), INT),
            "canton": (canton, None, STR),
            "commune": (commune, nulls(g, n, 0.01), STR),
            "purpose": (purpose, None, STR),
            "origination_date": (days(g, n, start, end), None, DATE),
            "amount_eur": (money(amount), None, FLOAT),
            "interest_rate": (np.round(g.normal(2.4, 0.9, n).clip(0.3, 9), 3), nulls(g, n, 0.01), FLOAT),
            "rate_type": (pick(g, ("fixed", "variable", "mixed"), n, (45, 40, 15)), None, STR),
            "maturity_months": (pick(g, ("60", "120", "240", "300", "360"), n).astype(int), None, INT),
            "status": (pick(g, ("performing", "arrears", "default"), n, (96.5, 3, 0.5)), None, STR),
        }
    )


def payments(g: np.random.Generator, n: int, start: date, end: date) -> pa.Table:
    mcc = (
        "5411 Grocery stores",
        "5812 Restaurants",
        "5541 Service stations",
        "5912 Pharmacies",
        "4111 Commuter transport",
        "5311 Department stores",
        "7011 Hotels",
        "5999 Miscellaneous retail",
    )
    canton, _ = sample_places(g, n)
    return table(
        {
            "transaction_date": (days(g, n, start, end), None, DATE),
            "merchant_category": (pick(g, mcc, n, (30, 18, 12, 8, 4, 10, 3, 15)), None, STR),
            "merchant_canton": (canton, nulls(g, n, 0.005), STR),
            "card_country": (
                pick(g, ("LU", "FR", "BE", "DE", "PT", "other"), n, (55, 20, 9, 8, 3, 5)),
                None,
                STR,
            ),
            "channel": (pick(g, ("contactless", "chip", "online"), n, (60, 25, 15)), None, STR),
            "amount_eur": (money(g.lognormal(3.3, 1.0, n)), None, FLOAT),
        }
    )


KINDS: dict[str, Callable[[np.random.Generator, int, date, date], pa.Table]] = {
    "admissions": admissions,
    "prescriptions": prescriptions,
    "bikes": bikes,
    "bus": bus,
    "meters": meters,
    "charging": charging,
    "loans": loans,
    "payments": payments,
}
