"""Deterministic demo data: a site network, SKUs, suppliers and their terms, two years of daily
demand, lots and the stock ledger, purchase orders with receipts, and the derived stock
positions (`manage.py generate_demo_data`).

Determinism. Every random draw comes from numpy's `default_rng`, seeded with `[seed, stream]`
(one stream per part: sites, SKUs, suppliers, demand, stock), so the same seed, sizes and
`today` give the same data, and the SKU master does not change when only `--days` does.

What is simulated, in two steps:

1. Master data and demand, vectorised over a (SKUs x days) array: a lognormal level per SKU
   (a few fast movers, many slow ones), trend, weekly and yearly seasonality (strong autumn
   peaks for many vaccines), promotion/outbreak spikes, gamma-Poisson noise, and ~25 % of
   intermittent or lumpy slow movers (many zero days, negative-binomial sizes). Each SKU has
   one demand series at one hospital/pharmacy site; DailyDemand stores units *asked for*
   (stock-outs do not change it).
2. Stock, one vectorised step per week over all SKUs at once: receipts arrive into lots
   (lot number, expiry from the remaining shelf life at receipt), demand is issued
   first-expired-first-out from released, unexpired lots, lots that expire are written off,
   and a periodic-review reorder-point policy places purchase orders with the primary (now and
   then the secondary) supplier. Lead times come from each supplier's distribution with its
   own lateness, short shipments, split deliveries and quality rejections, so the data feed
   supplier scorecards. Some SKUs are deliberately lean (stock-outs), some over-ordered
   (excess), some disrupted (a late open order at the end); slow movers with large minimum
   order quantities expire. Orders still in transit at `today` stay open (sent/acknowledged,
   or partially received).

Modelling choices worth knowing:

- Issue movements are aggregated per lot per week (dated the last day of the week, reference
  `ISSUE-<ISO week>`): ~1.2 M ledger rows for 10,000 SKUs x 730 days instead of ~5 M daily
  ones. Demand is issued in weekly buckets, so a stock-out is a week with unserved demand.
  Each lot's quantity equals the sum of its movements and never goes below zero; issues never
  take from a lot after its expiry date; write-offs are dated the day after expiry.
- Stock is held where the demand is: each SKU is bought into its hospital/pharmacy site
  (purchase-order destination); the plant, DCs and warehouses hold no demo stock.
- Accepted units enter the lot; rejected units go back to the supplier (Receipt keeps both).
- Opening stock: 1-3 lots per SKU received up to 60 days before the history starts
  (reference `OPENING-BALANCE`, no purchase order).
- Lots received in the last week are often still in quarantine; ~1 % of the other current
  lots are put on quarantine hold at the end (as after a temperature excursion).

Loading. Everything is written in one transaction (all or nothing). Primary keys are reserved
up front (PostgreSQL: the table is locked and the identity sequence advanced by the row count;
SQLite: after the current maximum), so rows can reference each other without reading ids back.
On PostgreSQL every table is loaded with COPY (DailyDemand in the binary format, straight from
numpy); on SQLite with executemany. COPY and executemany bypass Django signals, hence the audit
trail (django-auditlog): acceptable for generated demo data, which nobody edited. Stock
positions are then rebuilt by `inventory.services.stock.stock_positions_refresh`, with on-order from
the open purchase-order lines. `--replace` empties every inventory and supplier table first
(TRUNCATE on PostgreSQL, DELETE on SQLite) without resetting the id sequences, so a new row
never takes the id of a deleted one that the audit trail still names.

Foreign keys on PostgreSQL. Django's foreign keys are checked row by row by triggers, which
for 7.3 M demand and 1.2 M movement rows costs more than the load itself (on the 2-core bench
machine: ~150 s for the whole command instead of ~60 s; see bench/RESULTS.md). When the
database user may do so (a superuser), the load sets `session_replication_role = replica` for
the COPY statements only. That skips the per-row trigger checks (the project defines no other
triggers); CHECK, UNIQUE and NOT NULL constraints are enforced as always. It then switches
back and verifies every foreign key of the loaded tables with one set-based anti-join per key;
any orphan aborts the load, so the guarantee is the same. Otherwise (or with
`fk_checks="rows"`) the triggers check each row.

Layering. inventory sits below suppliers (ARCHITECTURE.md). This module is the one declared
exception: it writes supplier tables too, so it imports `suppliers.models`, and the
import-linter contract in pyproject.toml names that import as allowed. Nothing else in
inventory may import suppliers.
"""

from __future__ import annotations

import json
import math
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from inventory.models import (
    Category,
    Criticality,
    DailyDemand,
    Echelon,
    Lot,
    LotStatus,
    MovementKind,
    Site,
    Sku,
    StockMovement,
    StockPosition,
    TemperatureZone,
)
from inventory.services import stock as services
from suppliers.price_breaks import PriceBreaks


class DemoDataError(Exception):
    """The generator refuses to run (bad arguments, existing data, unsupported database)."""


# ---- configuration -------------------------------------------------------------------------

OPEN_PO_STATUSES = ("approved", "sent", "acknowledged", "partially_received")
DEMAND_CHUNK_SKUS = 2000  # SKUs per demand chunk (bounds memory; fixed, so output is stable)
MAX_SITES = 2000


@dataclass(frozen=True)
class DemoConfig:
    skus: int = 300
    days: int = 730
    sites: int = 12
    suppliers: int = 8
    seed: int = 42
    today: date = field(default_factory=timezone.localdate)  # demand ends the day before

    def validate(self) -> None:
        problems = []
        if self.skus < 1:
            problems.append("--skus must be at least 1")
        if self.days < 14:
            problems.append("--days must be at least 14")
        if not 3 <= self.sites <= MAX_SITES:
            problems.append(f"--sites must be between 3 (plant, DC, hospital) and {MAX_SITES}")
        if self.suppliers < 1:
            problems.append("--suppliers must be at least 1")
        if self.seed < 0:
            problems.append("--seed must be 0 or more")
        if problems:
            raise DemoDataError("; ".join(problems) + ".")

    @property
    def start(self) -> date:
        """Day 0 of the demand history; the last day is yesterday."""
        return self.today - timedelta(days=self.days)


# Random streams: one per part, so parts do not shift each other's draws.
STREAM_SITES, STREAM_SKUS, STREAM_SUPPLIERS, STREAM_DEMAND, STREAM_STOCK = 1, 2, 3, 4, 5


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


# ---- reference data ------------------------------------------------------------------------

# fmt: off
# (city, region, latitude, longitude)
CITIES: tuple[tuple[str, str, float, float], ...] = (
    ("Basel", "DACH", 47.5596, 7.5886),
    ("Zurich", "DACH", 47.3769, 8.5417),
    ("Geneva", "DACH", 46.2044, 6.1432),
    ("Bern", "DACH", 46.9480, 7.4474),
    ("Frankfurt", "DACH", 50.1109, 8.6821),
    ("Munich", "DACH", 48.1351, 11.5820),
    ("Berlin", "DACH", 52.5200, 13.4050),
    ("Hamburg", "DACH", 53.5511, 9.9937),
    ("Cologne", "DACH", 50.9375, 6.9603),
    ("Stuttgart", "DACH", 48.7758, 9.1829),
    ("Leipzig", "DACH", 51.3397, 12.3731),
    ("Vienna", "DACH", 48.2082, 16.3738),
    ("Graz", "DACH", 47.0707, 15.4395),
    ("Innsbruck", "DACH", 47.2692, 11.4041),
    ("Lyon", "France", 45.7640, 4.8357),
    ("Paris", "France", 48.8566, 2.3522),
    ("Marseille", "France", 43.2965, 5.3698),
    ("Toulouse", "France", 43.6047, 1.4442),
    ("Bordeaux", "France", 44.8378, -0.5792),
    ("Lille", "France", 50.6292, 3.0573),
    ("Nantes", "France", 47.2184, -1.5536),
    ("Strasbourg", "France", 48.5734, 7.7521),
    ("Nice", "France", 43.7102, 7.2620),
    ("Montpellier", "France", 43.6108, 3.8767),
    ("Rotterdam", "Benelux", 51.9244, 4.4777),
    ("Amsterdam", "Benelux", 52.3676, 4.9041),
    ("Utrecht", "Benelux", 52.0907, 5.1214),
    ("Eindhoven", "Benelux", 51.4416, 5.4697),
    ("Brussels", "Benelux", 50.8503, 4.3517),
    ("Antwerp", "Benelux", 51.2194, 4.4025),
    ("Ghent", "Benelux", 51.0543, 3.7174),
    ("Liège", "Benelux", 50.6326, 5.5797),
    ("Luxembourg", "Benelux", 49.6116, 6.1319),
    ("Milan", "Italy", 45.4642, 9.1900),
    ("Rome", "Italy", 41.9028, 12.4964),
    ("Turin", "Italy", 45.0703, 7.6869),
    ("Bologna", "Italy", 44.4949, 11.3426),
    ("Florence", "Italy", 43.7696, 11.2558),
    ("Naples", "Italy", 40.8518, 14.2681),
    ("Verona", "Italy", 45.4384, 10.9916),
    ("Genoa", "Italy", 44.4056, 8.9463),
    ("Bari", "Italy", 41.1171, 16.8719),
    ("Palermo", "Italy", 38.1157, 13.3615),
    ("Madrid", "Iberia", 40.4168, -3.7038),
    ("Barcelona", "Iberia", 41.3874, 2.1686),
    ("Valencia", "Iberia", 39.4699, -0.3763),
    ("Seville", "Iberia", 37.3891, -5.9845),
    ("Bilbao", "Iberia", 43.2630, -2.9350),
    ("Zaragoza", "Iberia", 41.6488, -0.8891),
    ("Málaga", "Iberia", 36.7213, -4.4214),
    ("Lisbon", "Iberia", 38.7223, -9.1393),
    ("Porto", "Iberia", 41.1579, -8.6291),
    ("Copenhagen", "Nordics", 55.6761, 12.5683),
    ("Aarhus", "Nordics", 56.1629, 10.2039),
    ("Stockholm", "Nordics", 59.3293, 18.0686),
    ("Gothenburg", "Nordics", 57.7089, 11.9746),
    ("Malmö", "Nordics", 55.6050, 13.0038),
    ("Oslo", "Nordics", 59.9139, 10.7522),
    ("Bergen", "Nordics", 60.3913, 5.3221),
    ("Helsinki", "Nordics", 60.1699, 24.9384),
    ("Tampere", "Nordics", 61.4978, 23.7610),
    ("Manchester", "UK & Ireland", 53.4808, -2.2426),
    ("London", "UK & Ireland", 51.5072, -0.1276),
    ("Birmingham", "UK & Ireland", 52.4862, -1.8904),
    ("Leeds", "UK & Ireland", 53.8008, -1.5491),
    ("Glasgow", "UK & Ireland", 55.8642, -4.2518),
    ("Edinburgh", "UK & Ireland", 55.9533, -3.1883),
    ("Bristol", "UK & Ireland", 51.4545, -2.5879),
    ("Dublin", "UK & Ireland", 53.3498, -6.2603),
    ("Cork", "UK & Ireland", 51.8985, -8.4756),
    ("Warsaw", "Central & Eastern Europe", 52.2297, 21.0122),
    ("Kraków", "Central & Eastern Europe", 50.0647, 19.9450),
    ("Wrocław", "Central & Eastern Europe", 51.1079, 17.0385),
    ("Gdańsk", "Central & Eastern Europe", 54.3520, 18.6466),
    ("Prague", "Central & Eastern Europe", 50.0755, 14.4378),
    ("Brno", "Central & Eastern Europe", 49.1951, 16.6068),
    ("Budapest", "Central & Eastern Europe", 47.4979, 19.0402),
    ("Bratislava", "Central & Eastern Europe", 48.1486, 17.1077),
    ("Ljubljana", "Central & Eastern Europe", 46.0569, 14.5058),
    ("Zagreb", "Central & Eastern Europe", 45.8150, 15.9819),
)
# fmt: on
PLANT_CITY = "Basel"
DC_HUBS = (
    "Frankfurt",
    "Lyon",
    "Milan",
    "Madrid",
    "Rotterdam",
    "Warsaw",
    "Copenhagen",
    "Manchester",
)
HOSPITAL_NAMES = (
    "University Hospital {}",
    "{} General Hospital",
    "Hospital Pharmacy {}",
    "{} Community Pharmacy",
    "{} Children's Hospital",
    "{} Oncology Centre",
)


@dataclass(frozen=True)
class CategoryProfile:
    share: float
    zones: dict[str, float]
    shelf_months: tuple[int, int]
    unit_cost: tuple[float, float]  # log-uniform range
    criticality: tuple[float, float, float, float]  # critical, high, medium, low
    controlled_share: float
    median_daily_units: float
    stems: tuple[str, ...]
    strengths: tuple[str, ...]
    forms: tuple[str, ...]


CRITICALITIES = (Criticality.CRITICAL, Criticality.HIGH, Criticality.MEDIUM, Criticality.LOW)
CONTROLLED_STEMS = (
    "Morphine sulfate",
    "Oxycodone",
    "Fentanyl citrate",
    "Hydromorphone",
    "Methadone",
    "Buprenorphine",
    "Midazolam",
    "Diazepam",
    "Lorazepam",
    "Ketamine",
    "Methylphenidate",
    "Pethidine",
    "Remifentanil",
)
# fmt: off
PROFILES: dict[str, CategoryProfile] = {
    Category.VACCINE: CategoryProfile(
        share=0.15,
        zones={
            TemperatureZone.REFRIGERATED: 0.75,
            TemperatureZone.FROZEN: 0.15,
            TemperatureZone.ULTRA_COLD: 0.1,
        },
        shelf_months=(6, 24), unit_cost=(4.0, 180.0),
        criticality=(0.35, 0.35, 0.25, 0.05), controlled_share=0.0,
        median_daily_units=5.0,
        stems=(
            "Influenza quadrivalent vaccine", "Hepatitis B vaccine", "Hepatitis A vaccine",
            "MMR vaccine", "Varicella vaccine", "HPV 9-valent vaccine",
            "Pneumococcal 20-valent vaccine", "Meningococcal ACWY vaccine",
            "Meningococcal B vaccine", "Tdap vaccine", "Rotavirus vaccine", "Rabies vaccine",
            "Yellow fever vaccine", "Typhoid Vi vaccine", "Recombinant zoster vaccine",
            "COVID-19 mRNA vaccine", "RSV prefusion F vaccine", "Tick-borne encephalitis vaccine",
            "Inactivated polio vaccine", "Hexavalent DTaP-IPV-Hib-HepB vaccine", "BCG vaccine",
            "Oral cholera vaccine",
        ),
        strengths=(
            "0.5 mL", "1 mL", "1 dose", "10 doses",
        ),
        forms=(
            "prefilled syringe x1", "prefilled syringe x10", "vial x1", "vial x10",
        ),
    ),
    Category.BIOLOGIC: CategoryProfile(
        share=0.25,
        zones={
            TemperatureZone.REFRIGERATED: 0.92,
            TemperatureZone.FROZEN: 0.05,
            TemperatureZone.ROOM: 0.03,
        },
        shelf_months=(12, 36), unit_cost=(100.0, 2000.0),
        criticality=(0.25, 0.4, 0.3, 0.05), controlled_share=0.0,
        median_daily_units=2.0,
        stems=(
            "Adalimumab", "Infliximab", "Etanercept", "Rituximab", "Tocilizumab", "Ustekinumab",
            "Secukinumab", "Dupilumab", "Omalizumab", "Denosumab", "Insulin glargine",
            "Insulin aspart", "Epoetin alfa", "Filgrastim", "Pegfilgrastim", "Natalizumab",
            "Ocrelizumab", "Vedolizumab", "Eculizumab", "Golimumab", "Abatacept", "Risankizumab",
            "Guselkumab", "Evolocumab", "Teriparatide", "Semaglutide", "Dulaglutide",
            "Factor VIII recombinant", "Human normal immunoglobulin 10%", "Human albumin 20%",
        ),
        strengths=(
            "40 mg", "100 mg", "150 mg", "300 mg", "400 mg", "1000 IU",
        ),
        forms=(
            "prefilled pen x1", "prefilled syringe x2", "vial x1", "powder for infusion x1",
        ),
    ),
    Category.SMALL_MOLECULE: CategoryProfile(
        share=0.35,
        zones={TemperatureZone.ROOM: 0.88, TemperatureZone.REFRIGERATED: 0.12},
        shelf_months=(24, 60), unit_cost=(0.3, 30.0),
        criticality=(0.1, 0.25, 0.45, 0.2), controlled_share=0.06,
        median_daily_units=14.0,
        stems=(
            "Amoxicillin", "Paracetamol", "Ibuprofen", "Metformin", "Atorvastatin", "Omeprazole",
            "Pantoprazole", "Amlodipine", "Ramipril", "Bisoprolol", "Furosemide", "Levothyroxine",
            "Ceftriaxone", "Vancomycin", "Meropenem", "Piperacillin/tazobactam", "Ciprofloxacin",
            "Heparin sodium", "Apixaban", "Rivaroxaban", "Clopidogrel", "Metoprolol",
            "Prednisolone", "Dexamethasone", "Ondansetron", "Salbutamol", "Gabapentin",
            "Sertraline", "Levetiracetam", "Allopurinol", "Aciclovir", "Fluconazole",
            "Azithromycin", "Doxycycline", "Potassium chloride", "Lidocaine", "Propofol",
            "Noradrenaline", "Amiodarone", "Losartan",
        ),
        strengths=(
            "5 mg", "10 mg", "20 mg", "40 mg", "250 mg", "500 mg", "1 g",
        ),
        forms=(
            "tablets x30", "tablets x100", "capsules x28", "ampoules x10", "vials x10",
            "oral solution 100 mL",
        ),
    ),
    Category.ONCOLOGY: CategoryProfile(
        share=0.15,
        zones={TemperatureZone.ROOM: 0.5, TemperatureZone.REFRIGERATED: 0.5},
        shelf_months=(12, 36), unit_cost=(200.0, 6000.0),
        criticality=(0.45, 0.35, 0.15, 0.05), controlled_share=0.0,
        median_daily_units=1.2,
        stems=(
            "Paclitaxel", "Docetaxel", "Carboplatin", "Cisplatin", "Oxaliplatin", "Gemcitabine",
            "Pemetrexed", "Bortezomib", "Pembrolizumab", "Nivolumab", "Trastuzumab", "Bevacizumab",
            "Cetuximab", "Atezolizumab", "Durvalumab", "Daratumumab", "Azacitidine",
            "Cyclophosphamide", "Doxorubicin", "Irinotecan", "Fluorouracil", "Capecitabine",
            "Imatinib", "Osimertinib", "Palbociclib", "Lenalidomide", "Abiraterone", "Olaparib",
            "Ibrutinib",
        ),
        strengths=(
            "20 mg", "50 mg", "100 mg", "150 mg", "400 mg", "1 g",
        ),
        forms=(
            "concentrate for infusion vial x1", "powder for infusion vial x1", "tablets x30",
            "capsules x21",
        ),
    ),
    Category.SPECIALTY: CategoryProfile(
        share=0.1,
        zones={
            TemperatureZone.REFRIGERATED: 0.45,
            TemperatureZone.ROOM: 0.45,
            TemperatureZone.FROZEN: 0.1,
        },
        shelf_months=(6, 36), unit_cost=(25.0, 1500.0),
        criticality=(0.2, 0.35, 0.35, 0.1), controlled_share=0.08,
        median_daily_units=1.0,
        stems=(
            "Botulinum toxin type A", "Hyaluronidase", "Alteplase", "Tenecteplase",
            "Antithrombin III", "Prothrombin complex concentrate", "Human fibrinogen",
            "C1 esterase inhibitor", "Nusinersen", "Agalsidase beta", "Imiglucerase", "Iloprost",
            "Treprostinil", "Octreotide", "Leuprorelin", "Somatropin", "Follitropin alfa",
            "Cetrorelix", "Polyvalent antivenom", "Digoxin immune Fab", "Sugammadex", "Icatibant",
            "Emicizumab",
        ),
        strengths=(
            "1 mg", "5 mg", "10 mg", "50 mg", "500 IU", "100 units",
        ),
        forms=(
            "vial x1", "prefilled syringe x1", "ampoules x5", "kit x1",
        ),
    ),
}
# fmt: on
CATEGORIES = tuple(PROFILES)  # index order used in arrays

SUPPLIER_NAMES = (
    "Alpenpharm AG",
    "Nordic BioSupply AB",
    "Iberica Farma S.A.",
    "Rhein Biologics GmbH",
    "Lumière Pharma SAS",
    "Vistula Generics S.A.",
    "Thames Specialty Pharma Ltd",
    "Adriatic Oncology S.p.A.",
    "Benelux Vaccines B.V.",
    "Danube Health Kft.",
    "Celtic Sterile Products Ltd",
    "Baltic Pharma UAB",
)
CONTACT_NAMES = (
    "Anna Keller",
    "Lars Nilsson",
    "María García",
    "Jonas Weber",
    "Claire Dubois",
    "Piotr Nowak",
    "Emily Clarke",
    "Marco Rossi",
    "Sanne de Vries",
    "Péter Kovács",
    "Siobhán Murphy",
    "Rasa Jankauskienė",
)


# ---- the generated data set (numpy arrays, local 0-based indices) -------------------------


@dataclass
class DemoData:
    """The generated rows as columns. Rows refer to each other by 0-based position (ids are
    assigned at load time); days are offsets from `config.start` (day 0), so the demand runs
    from day 0 to day `config.days - 1`, yesterday."""

    config: DemoConfig
    # sites
    site_code: list[str]
    site_name: list[str]
    site_echelon: list[str]
    site_region: list[str]
    site_lat: np.ndarray
    site_lon: np.ndarray
    site_parent: np.ndarray  # local index, -1 for the plant
    site_transit: np.ndarray
    # SKUs
    sku_code: list[str]
    sku_name: list[str]
    sku_category: np.ndarray  # index into CATEGORIES
    sku_zone: list[str]
    sku_shelf: np.ndarray
    sku_min_remaining: np.ndarray
    sku_cost: np.ndarray  # rounded to cents
    sku_criticality: list[str]
    sku_controlled: np.ndarray
    # suppliers and their terms
    sup_code: list[str]
    sup_name: list[str]
    sup_contact: list[str]
    sup_email: list[str]
    sup_phone: list[str]
    item_supplier: np.ndarray
    item_sku: np.ndarray
    item_lt_mean: np.ndarray
    item_lt_std: np.ndarray
    item_moq: np.ndarray
    item_multiple: np.ndarray
    item_price: np.ndarray
    item_breaks: list[str]  # JSON
    item_order_cost: np.ndarray
    item_primary: np.ndarray
    # demand: one series per SKU at its demand site
    demand: np.ndarray  # (skus, days) int32
    demand_site: np.ndarray  # local site index per SKU
    # purchase orders, lines, receipts
    po_number: list[str]
    po_supplier: np.ndarray
    po_site: np.ndarray
    po_status: list[str]
    po_day: np.ndarray
    po_expected_day: np.ndarray
    po_sent: np.ndarray
    po_ack_hours: np.ndarray
    line_po: np.ndarray
    line_sku: np.ndarray
    line_qty: np.ndarray
    line_price: np.ndarray
    line_requested_day: np.ndarray
    line_confirmed_day: np.ndarray
    line_received: np.ndarray
    receipt_line: np.ndarray
    receipt_lot: np.ndarray
    receipt_received: np.ndarray
    receipt_accepted: np.ndarray
    # lots
    lot_sku: np.ndarray
    lot_number: list[str]
    lot_expiry_day: np.ndarray
    lot_received_day: np.ndarray
    lot_qty: np.ndarray
    lot_status: list[str]
    lot_receipt: np.ndarray  # the receipt that created the lot, or -1 (opening stock)
    # movements (kind: 0 receipt, 1 issue, 2 write-off), ordered by lot then time
    move_kind: np.ndarray
    move_lot: np.ndarray
    move_qty: np.ndarray
    move_day: np.ndarray

    @property
    def lot_site(self) -> np.ndarray:
        return self.demand_site[self.lot_sku]

    def open_on_order(self) -> dict[tuple[int, int], int]:
        """Open purchase-order quantity by (local SKU, local site)."""
        is_open = np.isin(np.asarray(self.po_status, dtype=object), OPEN_PO_STATUSES)
        lines = is_open[self.line_po] if len(self.line_po) else np.zeros(0, bool)
        open_qty = (self.line_qty - self.line_received)[lines]
        result: dict[tuple[int, int], int] = {}
        for sku, site, qty in zip(
            self.line_sku[lines].tolist(),
            self.po_site[self.line_po[lines]].tolist(),
            open_qty.tolist(),
            strict=True,
        ):
            if qty > 0:
                result[(sku, site)] = result.get((sku, site), 0) + qty
        return result


# ---- sites ---------------------------------------------------------------------------------


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (haversine), broadcasting."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _echelon_sizes(total: int) -> tuple[int, int, int]:
    """(DCs, warehouses, hospitals/pharmacies) for `total` sites including the plant."""
    dcs = min(max(1, round(total / 8)), len(DC_HUBS))
    warehouses = min(round(total / 6), total - 2 - dcs) if total >= 8 else 0
    hospitals = total - 1 - dcs - warehouses
    return dcs, warehouses, hospitals


def _generate_sites(config: DemoConfig) -> dict[str, Any]:
    rng = _rng(config.seed, STREAM_SITES)
    by_name = {city[0]: city for city in CITIES}
    n_dc, n_wh, n_hosp = _echelon_sizes(config.sites)
    pool = [city for city in CITIES if city[0] != PLANT_CITY and city[0] not in DC_HUBS[:n_dc]]
    pool = [pool[i] for i in rng.permutation(len(pool))]
    needed = n_wh + n_hosp
    picked = []
    for k in range(needed):  # past the list, cities repeat with a numeral and a few km apart
        city, region, lat, lon = pool[k % len(pool)]
        rounds = k // len(pool)
        if rounds:
            city = f"{city} {('II', 'III', 'IV', 'V')[rounds - 1] if rounds <= 4 else rounds + 1}"
            lat += float(rng.uniform(-0.08, 0.08))
            lon += float(rng.uniform(-0.08, 0.08))
        picked.append((city, region, lat, lon))

    codes, names, echelons, regions, lats, lons = [], [], [], [], [], []

    def add(code: str, name: str, echelon: str, city: tuple[str, str, float, float]) -> None:
        codes.append(code)
        names.append(name)
        echelons.append(echelon)
        regions.append(city[1])
        lats.append(round(city[2], 5))
        lons.append(round(city[3], 5))

    add("PLT-01", f"{PLANT_CITY} Manufacturing Plant", Echelon.PLANT, by_name[PLANT_CITY])
    for k, hub in enumerate(DC_HUBS[:n_dc]):
        add(f"DC-{k + 1:02d}", f"Distribution Centre {hub}", Echelon.DC, by_name[hub])
    for k in range(n_wh):
        add(f"WH-{k + 1:02d}", f"Regional Warehouse {picked[k][0]}", Echelon.WAREHOUSE, picked[k])
    name_pattern = rng.integers(0, len(HOSPITAL_NAMES), n_hosp)
    for k in range(n_hosp):
        city = picked[n_wh + k]
        name = HOSPITAL_NAMES[int(name_pattern[k])].format(city[0])
        add(f"HSP-{k + 1:03d}", name, Echelon.HOSPITAL, city)

    lat, lon = np.array(lats), np.array(lons)
    n = len(codes)
    parent = np.full(n, -1, np.int64)
    transit = np.zeros(n, np.int64)
    dc_idx = np.arange(1, 1 + n_dc)
    wh_idx = np.arange(1 + n_dc, 1 + n_dc + n_wh)
    hosp_idx = np.arange(1 + n_dc + n_wh, n)
    parent[dc_idx] = 0
    if n_wh:
        dist = _km(lat[wh_idx, None], lon[wh_idx, None], lat[None, dc_idx], lon[None, dc_idx])
        parent[wh_idx] = dc_idx[dist.argmin(axis=1)]
    feeders = np.concatenate([dc_idx, wh_idx])
    dist = _km(lat[hosp_idx, None], lon[hosp_idx, None], lat[None, feeders], lon[None, feeders])
    parent[hosp_idx] = feeders[dist.argmin(axis=1)]
    children = np.arange(1, n)
    km = _km(lat[children], lon[children], lat[parent[children]], lon[parent[children]])
    # A day of handling plus a day per ~400 km road distance (x1.3 the great circle).
    transit[children] = 1 + np.ceil(km * 1.3 / 400).astype(np.int64)
    return {
        "site_code": codes,
        "site_name": names,
        "site_echelon": echelons,
        "site_region": regions,
        "site_lat": lat,
        "site_lon": lon,
        "site_parent": parent,
        "site_transit": transit,
        "hospitals": hosp_idx,
    }


# ---- SKUs ----------------------------------------------------------------------------------


def _exact_counts(total: int, shares: Sequence[float]) -> np.ndarray:
    """Split `total` by `shares` exactly (largest remainder)."""
    raw = np.asarray(shares) * total
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def _generate_skus(config: DemoConfig) -> dict[str, Any]:
    rng = _rng(config.seed, STREAM_SKUS)
    n = config.skus
    counts = _exact_counts(n, [PROFILES[c].share for c in CATEGORIES])
    category = rng.permutation(np.repeat(np.arange(len(CATEGORIES)), counts))
    zone = np.empty(n, dtype=object)
    shelf = np.zeros(n, np.int64)
    cost = np.zeros(n)
    criticality = np.empty(n, dtype=object)
    controlled = np.zeros(n, bool)
    names = np.empty(n, dtype=object)
    u = rng.random((n, 8))  # one row of uniforms per SKU, used column by column
    for c, key in enumerate(CATEGORIES):
        p = PROFILES[key]
        rows = np.flatnonzero(category == c)
        zones = list(p.zones)
        zone_cdf = np.cumsum(list(p.zones.values()))
        zone[rows] = np.array(zones, dtype=object)[
            np.minimum(np.searchsorted(zone_cdf, u[rows, 0], side="right"), len(zones) - 1)
        ]
        lo, hi = p.shelf_months
        shelf[rows] = (lo + np.floor(u[rows, 1] * (hi - lo + 1)).astype(np.int64)) * 30
        clo, chi = np.log(p.unit_cost[0]), np.log(p.unit_cost[1])
        cost[rows] = np.round(np.exp(clo + u[rows, 2] * (chi - clo)), 2)
        crit_cdf = np.cumsum(p.criticality)
        criticality[rows] = np.array(CRITICALITIES, dtype=object)[
            np.minimum(np.searchsorted(crit_cdf, u[rows, 3], side="right"), 3)
        ]
        controlled[rows] = u[rows, 4] < p.controlled_share
        stems = np.array(p.stems, dtype=object)
        strengths = np.array(p.strengths, dtype=object)
        forms = np.array(p.forms, dtype=object)
        stem = stems[(u[rows, 5] * len(stems)).astype(np.int64)]
        ctl = controlled[rows]
        ctl_stems = np.array(CONTROLLED_STEMS, dtype=object)
        stem[ctl] = ctl_stems[(u[rows[ctl], 5] * len(ctl_stems)).astype(np.int64)]
        strength = strengths[(u[rows, 6] * len(strengths)).astype(np.int64)]
        form = forms[(u[rows, 7] * len(forms)).astype(np.int64)]
        names[rows] = [f"{a} {b} {f}" for a, b, f in zip(stem, strength, form, strict=True)]
    # Ultra-cold mRNA products keep shorter dating at 2-8 °C: cap at 12 months.
    ultra = zone == TemperatureZone.ULTRA_COLD
    shelf[ultra] = np.minimum(shelf[ultra], 360)
    min_remaining = np.round(shelf * rng.uniform(0.30, 0.50, n)).astype(np.int64)
    return {
        "sku_code": [f"SKU-{i + 1:06d}" for i in range(n)],
        "sku_name": names.tolist(),
        "sku_category": category,
        "sku_zone": zone.tolist(),
        "sku_shelf": shelf,
        "sku_min_remaining": min_remaining,
        "sku_cost": np.maximum(cost, 0.01),
        "sku_criticality": criticality.tolist(),
        "sku_controlled": controlled,
    }


# ---- suppliers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierBehaviour:
    lead_mean: np.ndarray  # quoted lead time, days (items vary around it)
    late_p: np.ndarray  # probability an order arrives after the quoted date
    late_mean: np.ndarray  # mean days late when late (exponential); on time: 0-3 days early
    short_p: np.ndarray  # probability a line is short-shipped
    split_p: np.ndarray  # probability a line comes in two deliveries
    reject_p: np.ndarray  # probability a delivery has rejected units
    price_var_p: np.ndarray  # probability a line is invoiced above the agreed price


def _generate_suppliers(config: DemoConfig, skus: dict[str, Any]) -> dict[str, Any]:
    rng = _rng(config.seed, STREAM_SUPPLIERS)
    k, n = config.suppliers, config.skus
    rounds = [i // len(SUPPLIER_NAMES) for i in range(k)]  # past the list, names get a number
    bases = [SUPPLIER_NAMES[i % len(SUPPLIER_NAMES)] for i in range(k)]
    names = [base + (f" {r + 1}" if r else "") for base, r in zip(bases, rounds, strict=True)]
    slugs = [
        unicodedata.normalize("NFKD", base.split()[0].lower()).encode("ascii", "ignore").decode()
        + (str(r + 1) if r else "")
        for base, r in zip(bases, rounds, strict=True)
    ]
    lead_mean = (
        rng.permutation(np.linspace(5, 45, k)) if k > 1 else np.array([14.0])
    ) * rng.uniform(0.9, 1.1, k)
    behaviour = SupplierBehaviour(
        lead_mean=lead_mean,
        late_p=rng.uniform(0.02, 0.25, k),
        late_mean=rng.uniform(2, 12, k),
        short_p=rng.uniform(0.01, 0.08, k),
        split_p=rng.uniform(0.02, 0.10, k),
        reject_p=rng.uniform(0.005, 0.05, k),
        price_var_p=rng.uniform(0.0, 0.08, k),
    )
    # Each supplier leans to some categories; the primary supplier is drawn by that affinity.
    affinity = rng.dirichlet(np.full(len(CATEGORIES), 0.8), size=k).T + 0.02  # (cat, k)
    affinity /= affinity.sum(axis=1, keepdims=True)
    category = skus["sku_category"]
    cdf = np.cumsum(affinity[category], axis=1)
    primary = np.minimum((cdf < rng.random(n)[:, None]).sum(axis=1), k - 1)
    has_second = (rng.random(n) < 0.35) & (k > 1)
    second = (primary + rng.integers(1, max(k, 2), n)) % k
    sku_idx = np.concatenate([np.arange(n), np.flatnonzero(has_second)])
    supplier = np.concatenate([primary, second[has_second]])
    is_primary = np.concatenate([np.ones(n, bool), np.zeros(int(has_second.sum()), bool)])
    order = np.lexsort((sku_idx, supplier))
    sku_idx, supplier, is_primary = sku_idx[order], supplier[order], is_primary[order]
    m = len(sku_idx)

    # Quoted lead time per item (the agreed delivery date), and the mean and standard deviation
    # of the actual lead time that _simulate draws: on time (0-3 days early, uniform) with
    # probability q, else late by ceil(Exponential(late_mean)) days.
    quoted = np.maximum(np.round(lead_mean[supplier] * rng.uniform(0.85, 1.15, m)), 4)
    q, late = 1.0 - behaviour.late_p[supplier], behaviour.late_mean[supplier] + 0.5
    lt_mean = np.round(quoted - q * 1.5 + (1 - q) * late, 2)
    lt_var = q * 1.25 + (1 - q) * late**2 + q * (1 - q) * (1.5 + late) ** 2
    lt_std = np.round(np.sqrt(lt_var), 2)
    cost = skus["sku_cost"][sku_idx]
    multiple_choices = np.select(
        [cost < 5, cost < 50, cost < 500],
        [
            np.array([10, 20, 50, 100])[rng.integers(0, 4, m)],
            np.array([5, 10, 12, 20])[rng.integers(0, 4, m)],
            np.array([1, 2, 5, 10])[rng.integers(0, 4, m)],
        ],
        default=1,
    )
    moq_factor = np.select(
        [cost < 50, cost < 500],
        [
            np.array([1, 2, 5, 10])[rng.integers(0, 4, m)],
            np.array([1, 1, 2, 5])[rng.integers(0, 4, m)],
        ],
        default=1,
    )
    moq = multiple_choices * moq_factor
    markup = np.where(is_primary, rng.uniform(0.95, 1.08, m), rng.uniform(1.02, 1.15, m))
    price = np.maximum(np.round(cost * markup, 2), 0.01)
    order_cost = np.round(rng.uniform(25, 250, k)[supplier] * rng.uniform(0.8, 1.2, m), 2)
    n_breaks = np.where(rng.random(m) < 0.6, rng.integers(1, 4, m), 0)
    break_qty_factor = np.array([5, 20, 50])
    discount = np.cumsum(rng.uniform(0.02, 0.05, (m, 3)), axis=1)
    breaks = []
    for i in range(m):
        rows, last = [], float(price[i])
        for b in range(int(n_breaks[i])):
            qty = int(moq[i] * break_qty_factor[b])
            qty = -(-qty // int(multiple_choices[i])) * int(multiple_choices[i])
            unit = round(float(price[i]) * (1 - discount[i, b]), 2)
            if unit >= last or unit < 0.01:
                break
            rows.append({"min_quantity": qty, "unit_price": f"{unit:.2f}"})
            last = unit
        breaks.append(json.dumps(rows))
    return {
        "sup_code": [f"SUP-{i + 1:03d}" for i in range(k)],
        "sup_name": names,
        "sup_contact": [CONTACT_NAMES[i % len(CONTACT_NAMES)] for i in range(k)],
        "sup_email": [f"orders@{slug}.example" for slug in slugs],
        "sup_phone": [f"+41 61 555 {1000 + 17 * i:04d}" for i in range(k)],
        "item_supplier": supplier,
        "item_sku": sku_idx,
        "item_quoted": quoted.astype(np.int64),
        "item_lt_mean": np.maximum(lt_mean, 1.0),
        "item_lt_std": lt_std,
        "item_moq": moq,
        "item_multiple": multiple_choices,
        "item_price": price,
        "item_breaks": breaks,
        "item_order_cost": order_cost,
        "item_primary": is_primary,
        "behaviour": behaviour,
    }


def _price_break_table(breaks: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(min quantities, unit prices) as (items, 3) arrays; missing breaks never apply."""
    qty = np.full((len(breaks), 3), np.iinfo(np.int64).max, np.int64)
    price = np.zeros((len(breaks), 3))
    for i, text in enumerate(breaks):
        for b, tier in enumerate(PriceBreaks.from_stored(json.loads(text)).tiers):
            qty[i, b] = int(tier.min_quantity)
            price[i, b] = float(tier.unit_price)
    return qty, price


# ---- demand --------------------------------------------------------------------------------

WEEKDAY_PATTERN = np.array([1.12, 1.10, 1.06, 1.04, 1.00, 0.45, 0.35])  # Monday..Sunday
WEEKDAY_PATTERN = WEEKDAY_PATTERN / WEEKDAY_PATTERN.mean()


def _generate_demand(config: DemoConfig, skus: dict[str, Any], n_hospitals: int) -> dict:
    rng = _rng(config.seed, STREAM_DEMAND)
    n, d = config.skus, config.days
    category = skus["sku_category"]
    vaccine = category == CATEGORIES.index(Category.VACCINE)
    median = np.array([PROFILES[c].median_daily_units for c in CATEGORIES])[category]
    level = median * np.exp(rng.normal(0.0, 1.1, n))  # lognormal: ABC-like skew
    level = np.clip(level, 0.02, 3000.0)
    speed_rank = np.argsort(np.argsort(level)) / max(n - 1, 1)  # 0 slowest .. 1 fastest
    intermittent = rng.random(n) < 0.5 * (1.0 - speed_rank)  # ~25 %, mostly slow movers
    occurrence = rng.uniform(0.03, 0.40, n)
    size_mean = np.maximum(level / occurrence, 1.0)
    size_r = rng.uniform(0.4, 3.0, n)  # small r: lumpy sizes, large r: steadier sizes
    growth = np.clip(rng.normal(0.05, 0.15, n), -0.35, 0.5)  # per year, relative to today
    weekly_amp = rng.uniform(0.3, 1.0, n)
    seasonal_vaccine = vaccine & (rng.random(n) < 0.6)
    season_amp = np.where(seasonal_vaccine, rng.uniform(0.5, 0.9, n), rng.uniform(0.0, 0.2, n))
    season_peak = np.where(seasonal_vaccine, rng.normal(300, 15, n), rng.normal(15, 30, n))
    noise_shape = rng.uniform(2.0, 25.0, n)
    site_of = rng.permutation(n) % n_hospitals  # spread evenly over the demand sites

    t = np.arange(d)
    dates = np.datetime64(config.start, "D") + t
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64) + 1
    weekday = (config.start.weekday() + t) % 7
    years_to_today = (t - (d - 1)) / 365.0

    demand = np.empty((n, d), np.int32)
    for s in range(0, n, DEMAND_CHUNK_SKUS):
        rows = np.arange(s, min(n, s + DEMAND_CHUNK_SKUS))
        m = len(rows)
        trend = np.maximum(1.0 + growth[rows, None] * years_to_today[None, :], 0.2)
        week = 1.0 + weekly_amp[rows, None] * (WEEKDAY_PATTERN[weekday][None, :] - 1.0)
        angle = 2 * np.pi * (doy[None, :] - season_peak[rows, None]) / 365.25
        season = 1.0 + season_amp[rows, None] * np.cos(angle)
        # Promotion / outbreak spikes: a log-multiplier switched on for 3-21 days.
        n_events = rng.poisson(1.5 * d / 365.0, m)
        ev_row = np.repeat(np.arange(m), n_events)
        ev_start = rng.integers(0, d, len(ev_row))
        ev_end = np.minimum(ev_start + rng.integers(3, 22, len(ev_row)), d)
        ev_log = rng.uniform(np.log(1.5), np.log(4.0), len(ev_row))
        steps = np.zeros((m, d + 1))
        np.add.at(steps, (ev_row, ev_start), ev_log)
        np.add.at(steps, (ev_row, ev_end), -ev_log)
        spikes = np.exp(np.cumsum(steps[:, :d], axis=1))
        shape = trend * week * season * spikes  # drives both kinds of series below
        # Smooth/erratic series: gamma-Poisson (negative binomial) around the level.
        k = noise_shape[rows, None]
        mean = level[rows, None] * shape
        smooth = rng.poisson(mean * rng.gamma(k, 1.0 / k, (m, d)))
        # Intermittent/lumpy series: occurrence x size.
        p = np.clip(occurrence[rows, None] * shape, 0.0, 0.95)
        occurs = rng.random((m, d)) < p
        r = size_r[rows, None]
        sizes = 1 + rng.negative_binomial(r, r / (r + size_mean[rows, None] - 1.0 + 1e-9))
        lumpy = np.where(occurs, sizes, 0)
        demand[rows] = np.where(intermittent[rows, None], lumpy, smooth)
    return {"demand": demand, "site_of": site_of, "intermittent": intermittent}


# ---- stock, orders, receipts: a weekly simulation over all SKUs at once --------------------

KIND_RECEIPT, KIND_ISSUE, KIND_WRITE_OFF = 0, 1, 2
MOVEMENT_HOURS = (10, 18, 6)  # UTC hour of receipts, (weekly) issues and write-offs
FAR_FUTURE = np.iinfo(np.int64).max // 4


class _Chunks:
    """Columns appended as numpy chunks, concatenated once at the end."""

    def __init__(self, *names: str) -> None:
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in names}

    def add(self, **columns: np.ndarray) -> None:
        for name, values in columns.items():
            self.parts[name].append(np.asarray(values))

    def get(self, name: str, dtype: Any = np.int64) -> np.ndarray:
        parts = self.parts[name]
        return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)


class _Slots:
    """The lots on hand per SKU: (skus x slots) matrices of lot id, quantity, expiry and
    quarantine flag; a slot is freed when its lot is empty."""

    def __init__(self, n: int, width: int = 8) -> None:
        self.lot = np.full((n, width), -1, np.int64)
        self.qty = np.zeros((n, width), np.int64)
        self.expiry = np.full((n, width), FAR_FUTURE, np.int64)
        self.quarantine = np.zeros((n, width), bool)

    def _grow(self) -> None:
        n, width = self.lot.shape
        self.lot = np.hstack([self.lot, np.full((n, width), -1, np.int64)])
        self.qty = np.hstack([self.qty, np.zeros((n, width), np.int64)])
        self.expiry = np.hstack([self.expiry, np.full((n, width), FAR_FUTURE, np.int64)])
        self.quarantine = np.hstack([self.quarantine, np.zeros((n, width), bool)])

    def place(
        self,
        lot: np.ndarray,
        sku: np.ndarray,
        qty: np.ndarray,
        expiry: np.ndarray,
        quarantine: np.ndarray,
    ) -> None:
        if not len(lot):
            return
        order = np.argsort(sku, kind="stable")
        lot, sku, qty, expiry, quarantine = (a[order] for a in (lot, sku, qty, expiry, quarantine))
        _, first = np.unique(sku, return_index=True)
        group_start = np.repeat(first, np.diff(np.append(first, len(sku))))
        rank = np.arange(len(sku)) - group_start
        for r in range(int(rank.max()) + 1):
            sel = rank == r
            rows = sku[sel]
            free = self.lot[rows] < 0
            while not free.any(axis=1).all():
                self._grow()
                free = self.lot[rows] < 0
            col = free.argmax(axis=1)
            self.lot[rows, col] = lot[sel]
            self.qty[rows, col] = qty[sel]
            self.expiry[rows, col] = expiry[sel]
            self.quarantine[rows, col] = quarantine[sel]

    def usable(self, day: int) -> np.ndarray:
        return (self.lot >= 0) & ~self.quarantine & (self.expiry >= day)

    def release_empty(self) -> None:
        empty = (self.lot >= 0) & (self.qty == 0) & ~self.quarantine
        self.lot[empty] = -1
        self.expiry[empty] = FAR_FUTURE


def _simulate(  # noqa: PLR0915 - one weekly loop reads best in one place
    config: DemoConfig, skus: dict, suppliers: dict, demand: np.ndarray, site_of: np.ndarray
) -> dict[str, Any]:
    rng = _rng(config.seed, STREAM_STOCK)
    n, d = config.skus, config.days
    weeks = math.ceil(d / 7)
    behaviour: SupplierBehaviour = suppliers["behaviour"]
    padded = np.zeros((n, weeks * 7), np.int64)
    padded[:, :d] = demand
    weekly = padded.reshape(n, weeks, 7).sum(axis=2)

    item_sku, item_sup = suppliers["item_sku"], suppliers["item_supplier"]
    primary = np.empty(n, np.int64)
    primary[item_sku[suppliers["item_primary"]]] = np.flatnonzero(suppliers["item_primary"])
    secondary = np.full(n, -1, np.int64)
    secondary[item_sku[~suppliers["item_primary"]]] = np.flatnonzero(~suppliers["item_primary"])
    agreed_lt = suppliers["item_quoted"]
    moq, multiple = suppliers["item_moq"], suppliers["item_multiple"]
    break_qty, break_price = _price_break_table(suppliers["item_breaks"])
    shelf, min_remaining = skus["sku_shelf"], skus["sku_min_remaining"]

    # Policy per SKU: review period, cover, safety factor; some lean, excess or disrupted.
    review = rng.choice([1, 2, 4], size=n, p=[0.4, 0.4, 0.2])
    phase = rng.integers(0, 4, n) % review
    cover = rng.uniform(3.0, 9.0, n)
    z = np.full(n, 1.65)
    profile = rng.random(n)
    lean = profile < 0.06
    excess = (profile >= 0.06) & (profile < 0.13)
    disrupted = (profile >= 0.13) & (profile < 0.16)
    z[lean], cover[lean] = 0.0, rng.uniform(0.3, 1.0, int(lean.sum()))
    cover[excess] = rng.uniform(30.0, 60.0, int(excess.sum()))
    disruption_weeks = rng.integers(6, 12, n)
    disruption_delay = rng.integers(45, 91, n)
    cap_weeks = np.where(excess, np.inf, np.maximum(shelf * 0.5 / 7.0, 2.0))
    lt_weeks = agreed_lt[primary] / 7.0

    slots = _Slots(n)
    lots = _Chunks("sku", "qty", "expiry", "received", "quarantine", "shipment")
    moves = _Chunks("kind", "lot", "qty", "day")
    lines = _Chunks("po", "sku", "item", "qty", "price", "requested", "late_days")
    pos = _Chunks("supplier", "site", "day", "expected")
    ships = _Chunks("line", "sku", "arrival", "received", "accepted", "expiry", "quarantine")
    buckets: dict[int, list[dict[str, np.ndarray]]] = {}
    on_order = np.zeros(n, np.int64)
    counters = {"lot": 0, "line": 0, "po": 0, "ship": 0}

    def new_lots(
        *,
        sku: np.ndarray,
        qty: np.ndarray,
        expiry: np.ndarray,
        received: np.ndarray,
        quarantine: np.ndarray,
        shipment: np.ndarray,
    ) -> None:
        ids = counters["lot"] + np.arange(len(sku))
        counters["lot"] += len(sku)
        lots.add(
            sku=sku,
            qty=qty,
            expiry=expiry,
            received=received,
            quarantine=quarantine,
            shipment=shipment,
        )
        moves.add(kind=np.full(len(ids), KIND_RECEIPT), lot=ids, qty=qty, day=received)
        slots.place(ids, sku, qty, expiry, quarantine)

    # Opening stock on day 0: 1-3 lots per SKU, about half a cycle plus safety stock.
    first_weeks = weekly[:, : min(8, weeks)]
    mean0 = first_weeks.mean(axis=1)
    std0 = first_weeks.std(axis=1)
    horizon0 = lt_weeks + review
    opening = mean0 * (horizon0 + cover / 2) + z * std0 * np.sqrt(horizon0)
    opening = np.ceil(opening * rng.uniform(0.6, 1.4, n)).astype(np.int64)
    opening = np.maximum(opening, moq[primary])
    n_open = rng.integers(1, 4, n)
    o_sku = np.repeat(np.arange(n), n_open)
    o_share = rng.random(len(o_sku)) + 0.2
    o_share /= np.bincount(o_sku, weights=o_share)[o_sku]
    o_qty = np.maximum(np.floor(opening[o_sku] * o_share).astype(np.int64), 1)
    o_received = -rng.integers(1, 61, len(o_sku))
    o_life = np.round(shelf[o_sku] * rng.uniform(0.55, 0.95, len(o_sku))).astype(np.int64)
    o_life = np.maximum(o_life, min_remaining[o_sku] + 7)
    new_lots(
        sku=o_sku,
        qty=o_qty,
        expiry=o_received + o_life,
        received=o_received,
        quarantine=np.zeros(len(o_sku), bool),
        shipment=np.full(len(o_sku), -1),
    )

    def receive(batch: list[dict[str, np.ndarray]]) -> None:
        if not batch:
            return
        cols = {key: np.concatenate([part[key] for part in batch]) for key in batch[0]}
        np.subtract.at(on_order, cols["sku"], cols["release"])
        new_lots(
            sku=cols["sku"],
            qty=cols["accepted"],
            expiry=cols["expiry"],
            received=cols["arrival"],
            quarantine=cols["quarantine"],
            shipment=cols["ship"],
        )

    for w in range(weeks):
        day0 = 7 * w
        issue_day = min(day0 + 6, d - 1)
        next_issue_day = min(day0 + 13, d - 1)
        receive(buckets.pop(w, []))

        # Review: order when the position is at or below the reorder point.
        window = weekly[:, max(0, w - 8) : w] if w else first_weeks
        forecast, sigma = window.mean(axis=1), window.std(axis=1)
        usable = slots.usable(issue_day)
        on_hand = (slots.qty * usable).sum(axis=1)
        position = on_hand + on_order
        horizon = lt_weeks + review
        rop = forecast * horizon + z * sigma * np.sqrt(horizon)
        due = ((w - phase) % review == 0) & (position <= rop) & (forecast > 0)
        ordering = np.flatnonzero(due)
        if len(ordering):
            m = len(ordering)
            use_second = (secondary[ordering] >= 0) & (rng.random(m) < 0.15)
            item = np.where(use_second, secondary[ordering], primary[ordering])
            want = rop[ordering] + cover[ordering] * forecast[ordering] - position[ordering]
            want = np.minimum(want, forecast[ordering] * cap_weeks[ordering])
            qty = np.maximum(np.ceil(np.maximum(want, 1.0)).astype(np.int64), moq[item])
            qty = -(-qty // multiple[item]) * multiple[item]
            sup = item_sup[item]
            price = suppliers["item_price"][item].copy()
            for b in range(3):
                price = np.where(qty >= break_qty[item, b], break_price[item, b], price)
            above = rng.random(m) < behaviour.price_var_p[sup]
            price = np.round(np.where(above, price * rng.uniform(1.01, 1.08, m), price), 2)
            # One purchase order per supplier and destination this week.
            site = site_of[ordering]
            keys, po_of = np.unique(sup * config.sites + site, return_inverse=True)
            n_po = len(keys)
            po_sup = keys // config.sites
            po_ids = counters["po"] + np.arange(n_po)
            counters["po"] += n_po
            # Lead time per order: 0-3 days early, or late by an exponential number of days.
            late = rng.random(n_po) < behaviour.late_p[po_sup]
            late_days = np.where(late, np.ceil(rng.exponential(behaviour.late_mean[po_sup])), 0)
            early = np.where(late, 0, rng.integers(0, 4, n_po))
            agreed = agreed_lt[item]
            line_late = late_days[po_of].astype(np.int64)
            actual = np.maximum(agreed - early[po_of], 1) + line_late
            hit = disrupted[ordering] & (w >= weeks - disruption_weeks[ordering])
            actual[hit] += disruption_delay[ordering][hit]
            line_late[hit] += disruption_delay[ordering][hit]
            expected = np.zeros(n_po, np.int64)
            np.maximum.at(expected, po_of, agreed)
            pos.add(
                supplier=po_sup,
                site=keys % config.sites,
                day=np.full(n_po, day0),
                expected=day0 + expected,
            )
            line_ids = counters["line"] + np.arange(m)
            counters["line"] += m
            lines.add(
                po=po_ids[po_of],
                sku=ordering,
                item=item,
                qty=qty,
                price=price,
                requested=day0 + agreed,
                late_days=line_late,
            )
            np.add.at(on_order, ordering, qty)

            # Deliveries: short shipments, split deliveries, rejected units.
            short = (rng.random(m) < behaviour.short_p[sup]) & (qty >= 2)
            shipped = np.where(
                short, np.maximum(np.floor(qty * rng.uniform(0.5, 0.95, m)), 1), qty
            ).astype(np.int64)
            split = (rng.random(m) < behaviour.split_p[sup]) & (shipped >= 2)
            first = np.where(
                split,
                np.clip(np.round(shipped * rng.uniform(0.4, 0.8, m)), 1, shipped - 1),
                shipped,
            ).astype(np.int64)
            arrival = day0 + actual
            second_arrival = arrival + rng.integers(3, 22, m)
            s_line = np.concatenate([line_ids, line_ids[split]])
            s_idx = np.concatenate([np.arange(m), np.flatnonzero(split)])
            s_recv = np.concatenate([first, (shipped - first)[split]])
            s_release = np.concatenate([np.where(split, first, qty), (qty - first)[split]])
            s_arrival = np.concatenate([arrival, second_arrival[split]])
            ns = len(s_line)
            s_sku = ordering[s_idx]
            rejected = np.where(
                (rng.random(ns) < behaviour.reject_p[sup[s_idx]]) & (s_recv >= 2),
                np.maximum(np.floor(s_recv * rng.uniform(0.02, 0.3, ns)), 1),
                0,
            ).astype(np.int64)
            life = np.round(shelf[s_sku] * rng.uniform(0.6, 0.95, ns)).astype(np.int64)
            life = np.clip(life, min_remaining[s_sku] + 7, shelf[s_sku])
            quarantine = (s_arrival >= d - 7) & (rng.random(ns) < 0.5)
            s_ids = counters["ship"] + np.arange(ns)
            counters["ship"] += ns
            ships.add(
                line=s_line,
                sku=s_sku,
                arrival=s_arrival,
                received=s_recv,
                accepted=s_recv - rejected,
                expiry=s_arrival + life,
                quarantine=quarantine,
            )
            avail_week = (s_arrival + 6) // 7
            arrived = s_arrival <= d - 1
            for week in np.unique(avail_week[arrived]).tolist():
                sel = arrived & (avail_week == week)
                buckets.setdefault(min(week, weeks), []).append(
                    {
                        "ship": s_ids[sel],
                        "sku": s_sku[sel],
                        "arrival": s_arrival[sel],
                        "accepted": (s_recv - rejected)[sel],
                        "expiry": (s_arrival + life)[sel],
                        "quarantine": quarantine[sel],
                        "release": s_release[sel],
                    }
                )

        # Issue this week's demand first-expired-first-out from released, unexpired lots.
        need = weekly[:, w]
        rows = np.flatnonzero(need > 0)
        if len(rows):
            ok = usable[rows]
            order = np.argsort(np.where(ok, slots.expiry[rows], FAR_FUTURE), axis=1)
            avail = np.take_along_axis(np.where(ok, slots.qty[rows], 0), order, axis=1)
            before = np.cumsum(avail, axis=1) - avail
            take = np.clip(need[rows, None] - before, 0, avail)
            r_idx = np.broadcast_to(rows[:, None], order.shape)
            slots.qty[r_idx, order] -= take
            taken = take > 0
            lot_ids = slots.lot[r_idx, order][taken]
            moves.add(
                kind=np.full(len(lot_ids), KIND_ISSUE),
                lot=lot_ids,
                qty=-take[taken],
                day=np.full(len(lot_ids), issue_day),
            )

        # Write off what expires before next week's issues (the day after its expiry).
        expiring = (
            (slots.lot >= 0)
            & ~slots.quarantine
            & (slots.qty > 0)
            & (slots.expiry < next_issue_day)
            & (slots.expiry + 1 <= d - 1)
        )
        if expiring.any():
            moves.add(
                kind=np.full(int(expiring.sum()), KIND_WRITE_OFF),
                lot=slots.lot[expiring],
                qty=-slots.qty[expiring],
                day=slots.expiry[expiring] + 1,
            )
            slots.qty[expiring] = 0
        slots.release_empty()

    receive(buckets.pop(weeks, []))  # arrived after the last weekly step, before today

    # A few current lots on quality hold (as after a temperature excursion).
    held = (slots.lot >= 0) & (slots.qty > 0) & ~slots.quarantine
    held &= rng.random(held.shape) < 0.01
    lot_quarantine = lots.get("quarantine", bool)
    lot_quarantine[slots.lot[held]] = True

    return {
        "lots": lots,
        "lot_quarantine": lot_quarantine,
        "moves": moves,
        "lines": lines,
        "pos": pos,
        "ships": ships,
    }


def _assemble_orders(config: DemoConfig, sim: dict[str, Any]) -> dict[str, Any]:
    """Purchase-order numbers and statuses, line received quantities and confirmed dates,
    receipts (one per delivery that has arrived, each with the lot it created)."""
    rng = _rng(config.seed, STREAM_STOCK + 100)
    d = config.days
    lines, pos, ships, lots = sim["lines"], sim["pos"], sim["ships"], sim["lots"]
    line_po, line_sku = lines.get("po"), lines.get("sku")
    order = np.lexsort((line_sku, line_po))  # lines grouped by purchase order
    new_index = np.empty(len(order), np.int64)
    new_index[order] = np.arange(len(order))
    line_po, line_sku = line_po[order], line_sku[order]
    line_qty = lines.get("qty")[order]
    line_price = lines.get("price", np.float64)[order]
    requested = lines.get("requested")[order]
    late_days = lines.get("late_days")[order]

    ship_line = new_index[ships.get("line")]
    ship_arrival = ships.get("arrival")
    arrived = ship_arrival <= d - 1
    n_lines, n_po = len(line_po), len(pos.get("day"))
    received = np.bincount(
        ship_line[arrived], weights=ships.get("received")[arrived], minlength=n_lines
    ).astype(np.int64)
    pending = np.bincount(ship_line[~arrived], minlength=n_lines) > 0
    po_pending = np.bincount(line_po, weights=pending, minlength=n_po) > 0
    po_received = np.bincount(line_po, weights=received > 0, minlength=n_po) > 0
    po_day = pos.get("day")
    age = d - po_day
    u = rng.random(n_po)
    not_started = np.select(
        [age <= 2, age <= 7],
        [np.where(u < 0.5, "approved", "sent"), np.where(u < 0.6, "sent", "acknowledged")],
        default=np.where(u < 0.15, "sent", "acknowledged"),
    )
    status = np.where(
        ~po_pending, "received", np.where(po_received, "partially_received", not_started)
    )
    # Sent at 10:00 on the order day (all but approvals in progress); acknowledged some hours
    # later, each supplier with its own habit (a new random stream: earlier values unchanged).
    responsiveness = _rng(config.seed, STREAM_STOCK + 101)
    habit = responsiveness.choice(
        [4.0, 10.0, 30.0], size=int(pos.get("supplier").max(initial=0)) + 1
    )
    ack_hours = responsiveness.gamma(2.0, habit[pos.get("supplier")] / 2.0)
    acknowledged = np.isin(status, ["acknowledged", "partially_received", "received"])
    confirmed_known = acknowledged[line_po]
    slip = np.where(rng.random(n_lines) < 0.5, late_days, 0)
    confirmed = np.where(confirmed_known, requested + slip, -1)

    # Receipts are the arrived deliveries, in lot order; each created exactly one lot.
    lot_shipment = lots.get("shipment")
    receipt_lot = np.flatnonzero(lot_shipment >= 0)
    receipt_ship = lot_shipment[receipt_lot]
    lot_receipt = np.full(len(lot_shipment), -1, np.int64)
    lot_receipt[receipt_lot] = np.arange(len(receipt_lot))
    numbers = [
        f"PO-{(config.start + timedelta(days=int(day))).year}-{i + 1:06d}"
        for i, day in enumerate(po_day.tolist())
    ]
    return {
        "po_number": numbers,
        "po_supplier": pos.get("supplier"),
        "po_site": pos.get("site"),
        "po_status": status.tolist(),
        "po_day": po_day,
        "po_expected_day": pos.get("expected"),
        "po_sent": status != "approved",
        "po_ack_hours": np.where(acknowledged, np.round(ack_hours, 2), np.nan),
        "line_po": line_po,
        "line_sku": line_sku,
        "line_qty": line_qty,
        "line_price": line_price,
        "line_requested_day": requested,
        "line_confirmed_day": confirmed,
        "line_received": received,
        "receipt_line": ship_line[receipt_ship],
        "receipt_lot": receipt_lot,
        "receipt_received": ships.get("received")[receipt_ship],
        "receipt_accepted": ships.get("accepted")[receipt_ship],
        "lot_receipt": lot_receipt,
    }


def demand_matrix(config: DemoConfig) -> np.ndarray:
    """The demo demand alone, (SKUs x days) units per day, the same as `generate` makes for
    the same config, without the stock simulation: for engine benchmarks."""
    config.validate()
    sites = _generate_sites(config)
    skus = _generate_skus(config)
    return _generate_demand(config, skus, len(sites["hospitals"]))["demand"]


def generate(config: DemoConfig) -> DemoData:
    """Build the whole data set in memory (numpy), without touching the database."""
    config.validate()
    sites = _generate_sites(config)
    skus = _generate_skus(config)
    suppliers = _generate_suppliers(config, skus)
    hospitals = sites.pop("hospitals")
    demand = _generate_demand(config, skus, len(hospitals))
    site_of = hospitals[demand["site_of"]]
    sim = _simulate(config, skus, suppliers, demand["demand"], site_of)
    orders = _assemble_orders(config, sim)

    lots, moves = sim["lots"], sim["moves"]
    lot_sku = lots.get("sku")
    move_lot, move_qty = moves.get("lot"), moves.get("qty")
    lot_qty = np.bincount(move_lot, weights=move_qty, minlength=len(lot_sku)).astype(np.int64)
    written_off = np.zeros(len(lot_sku), bool)
    written_off[move_lot[moves.get("kind") == KIND_WRITE_OFF]] = True
    status = np.where(
        written_off,
        LotStatus.EXPIRED,
        np.where(sim["lot_quarantine"], LotStatus.QUARANTINE, LotStatus.RELEASED),
    )
    received = lots.get("received")
    lot_numbers = [
        f"B{(config.start + timedelta(days=int(day))):%y%m}-{i + 1:06d}"
        for i, day in enumerate(received.tolist())
    ]
    # Movements ordered by lot, then time (receipt, weekly issues, write-off).
    move_day, move_kind = moves.get("day"), moves.get("kind", np.int8)
    order = np.lexsort((move_kind, move_day, move_lot))
    suppliers.pop("behaviour")
    suppliers.pop("item_quoted")
    return DemoData(
        config=config,
        **sites,
        **skus,
        **suppliers,
        demand=demand["demand"],
        demand_site=site_of,
        **{k: v for k, v in orders.items() if k != "lot_receipt"},
        lot_sku=lot_sku,
        lot_number=lot_numbers,
        lot_expiry_day=lots.get("expiry"),
        lot_received_day=received,
        lot_qty=lot_qty,
        lot_status=status.tolist(),
        lot_receipt=orders["lot_receipt"],
        move_kind=move_kind[order],
        move_lot=move_lot[order],
        move_qty=move_qty[order],
        move_day=move_day[order],
    )


# ---- loading -------------------------------------------------------------------------------

SUPPLIER_MODEL_NAMES = ("Supplier", "SupplierItem", "PurchaseOrder", "PurchaseOrderLine", "Receipt")
PG_EPOCH = date(2000, 1, 1)  # PostgreSQL's binary date format counts days from here
KIND_NAMES = np.array(
    [MovementKind.RECEIPT.value, MovementKind.ISSUE.value, MovementKind.WRITE_OFF.value],
    dtype=object,
)


def _supplier_models() -> dict[str, type[models.Model]]:
    # The one declared exception to the app order (pyproject.toml, import-linter): the demo
    # generator fills supplier tables too. Imported here so inventory loads without suppliers.
    from suppliers import models as supplier_models

    return {name: getattr(supplier_models, name) for name in SUPPLIER_MODEL_NAMES}


def demo_models() -> list[type[models.Model]]:
    """Every table the generator fills (and --replace empties), parents first."""
    s = _supplier_models()
    return [
        Site,
        Sku,
        s["Supplier"],
        s["SupplierItem"],
        s["PurchaseOrder"],
        Lot,
        s["PurchaseOrderLine"],
        s["Receipt"],
        StockMovement,
        DailyDemand,
        StockPosition,
    ]


def tables_with_rows() -> list[str]:
    """Labels of the demo models that already hold rows."""
    return [m._meta.label for m in demo_models() if m.objects.exists()]


@dataclass
class LoadReport:
    counts: dict[str, int]
    timings: dict[str, float]
    fk_checks: str
    position_statuses: dict[str, int]


class _Loader:
    """Writes rows with COPY (PostgreSQL) or executemany (SQLite) and reserves primary keys.

    Dates and times are written as text (ISO dates; UTC timestamps, naive on SQLite as Django
    stores them). SQL text is built only from table and column names of the models, quoted by
    the backend (hence the `noqa: S608`); values always travel as parameters or COPY data."""

    def __init__(self, data: DemoData) -> None:
        self.vendor = connection.vendor
        self.pg = self.vendor == "postgresql"
        self.cursor = connection.cursor()
        self.raw = self.cursor.cursor  # the driver's cursor (psycopg 3 / sqlite3 wrapper)
        self.qn = connection.ops.quote_name
        start = data.config.start
        days = [
            data.lot_received_day,
            data.lot_expiry_day,
            data.po_expected_day,
            data.line_requested_day,
            data.line_confirmed_day,
            data.move_day,
        ]
        lo = min(-1, *(int(d.min(initial=0)) for d in days))
        hi = max(data.config.days, *(int(d.max(initial=0)) for d in days))
        self.first_day = lo
        self.day_text = [(start + timedelta(days=k)).isoformat() for k in range(lo, hi + 1)]
        self.tz_suffix = "+00" if self.pg else ""  # SQLite stores naive UTC, as Django does

    def day(self, day: int) -> str:
        return self.day_text[day - self.first_day]

    def days(self, days: np.ndarray) -> list[str]:
        text = self.day_text
        return [text[k] for k in (days - self.first_day).tolist()]

    def stamps(self, days: np.ndarray, hour: int) -> list[str]:
        suffix = f" {hour:02d}:00:00{self.tz_suffix}"
        return [text + suffix for text in self.days(days)]

    def stamps_or_none(
        self, days: np.ndarray, hour: float, later_hours: np.ndarray
    ) -> list[str | None]:
        """`hour` o'clock on each day plus `later_hours` (NaN: no time, None)."""
        start = self.day_text[0]
        base = datetime.fromisoformat(start) - timedelta(days=self.first_day)
        stamps: list[str | None] = []
        for day, extra in zip(days.tolist(), later_hours.tolist(), strict=True):
            if np.isnan(extra):
                stamps.append(None)
                continue
            moment = base + timedelta(days=day, hours=hour + extra)
            stamps.append(f"{moment:%Y-%m-%d %H:%M:%S}{self.tz_suffix}")
        return stamps

    def reserve(self, model: type[models.Model], count: int) -> int:
        """First id of `count` consecutive primary keys nobody else will use."""
        table, pk = model._meta.db_table, model._meta.pk.column
        if self.pg:
            self.cursor.execute(f"LOCK TABLE {self.qn(table)} IN SHARE ROW EXCLUSIVE MODE")
            if not count:
                return 1
            self.cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), "
                "nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                [table, pk, table, pk, count],
            )
            return int(self.cursor.fetchone()[0]) - count + 1
        self.cursor.execute(f"SELECT COALESCE(MAX({self.qn(pk)}), 0) FROM {self.qn(table)}")  # noqa: S608
        highest = int(self.cursor.fetchone()[0])
        self.cursor.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table]
        )
        return max(highest, int(self.cursor.fetchone()[0])) + 1

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> None:
        table = self.qn(model._meta.db_table)
        names = ", ".join(self.qn(c) for c in columns)
        if self.pg:
            with self.raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            self.raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608

    def write_demand(
        self, data: DemoData, sku_ids: np.ndarray, site_ids: np.ndarray, first_id: int
    ) -> None:
        n, d = data.demand.shape
        table = self.qn(DailyDemand._meta.db_table)
        columns = "id, sku_id, site_id, date, quantity"
        if not self.pg:
            dates = self.days(np.arange(d))
            for s in range(0, n, 500):
                rows = range(s, min(n, s + 500))
                self.raw.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                    [
                        (first_id + i * d + t, sku, site, dates[t], q)
                        for i, sku, site in zip(
                            rows, sku_ids[rows].tolist(), site_ids[rows].tolist(), strict=True
                        )
                        for t, q in enumerate(data.demand[i].tolist())
                    ],
                )
            return
        # Binary COPY: a fixed-width record per row, built by numpy in chunks of SKUs.
        record = np.dtype(
            [
                ("fields", ">i2"),
                ("l_id", ">i4"), ("id", ">i8"),
                ("l_sku", ">i4"), ("sku", ">i8"),
                ("l_site", ">i4"), ("site", ">i8"),
                ("l_date", ">i4"), ("date", ">i4"),
                ("l_qty", ">i4"), ("qty", ">i4"),
            ]
        )  # fmt: skip
        day0 = (data.config.start - PG_EPOCH).days
        with self.raw.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8))  # signature, flags, extension
            for s in range(0, n, 1000):
                e = min(n, s + 1000)
                chunk = np.empty((e - s) * d, record)
                chunk["fields"] = 5
                chunk["l_id"], chunk["l_sku"], chunk["l_site"] = 8, 8, 8
                chunk["l_date"], chunk["l_qty"] = 4, 4
                chunk["id"] = first_id + np.arange(s * d, e * d)
                chunk["sku"] = np.repeat(sku_ids[s:e], d)
                chunk["site"] = np.repeat(site_ids[s:e], d)
                chunk["date"] = np.tile(day0 + np.arange(d), e - s)
                chunk["qty"] = data.demand[s:e].ravel()
                copy.write(chunk.tobytes())
            copy.write(b"\xff\xff")


def _money(values: np.ndarray) -> list[str]:
    return [f"{v:.2f}" for v in values.tolist()]


def _delete_existing(loader: _Loader) -> None:
    """Empty every demo table (inventory and suppliers). Identity sequences are not reset, so
    a new row never takes the id of a deleted one that the audit trail still names."""
    tables = [m._meta.db_table for m in reversed(demo_models())]
    if loader.pg:
        try:
            with transaction.atomic():  # a savepoint: TRUNCATE fails if other tables refer here
                loader.cursor.execute(f"TRUNCATE {', '.join(map(loader.qn, tables))}")
            return
        except DatabaseError:
            pass  # rows elsewhere may refer to these tables: delete, and let the FKs decide
    site_table = loader.qn(Site._meta.db_table)
    loader.cursor.execute(f"UPDATE {site_table} SET replenished_from_id = NULL")  # noqa: S608
    for table in tables:
        loader.cursor.execute(f"DELETE FROM {loader.qn(table)}")  # noqa: S608


def _can_skip_row_fk_checks(loader: _Loader) -> bool:
    loader.cursor.execute("SELECT current_setting('is_superuser')")
    return loader.cursor.fetchone()[0] == "on"


def _verify_foreign_keys(loader: _Loader, loaded: Sequence[type[models.Model]]) -> None:
    """Set-based check of every foreign key of the loaded tables (one anti-join each)."""
    qn = loader.qn
    for model in loaded:
        for f in model._meta.concrete_fields:
            if not f.many_to_one:
                continue
            ref = f.related_model._meta
            loader.cursor.execute(
                f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} t "  # noqa: S608
                f"WHERE t.{qn(f.column)} IS NOT NULL AND NOT EXISTS ("
                f"SELECT 1 FROM {qn(ref.db_table)} r WHERE r.{qn(f.target_field.column)} "
                f"= t.{qn(f.column)})"
            )
            orphans = loader.cursor.fetchone()[0]
            if orphans:
                raise DemoDataError(
                    f"{orphans} rows of {model._meta.label} refer to a missing "
                    f"{ref.label}; nothing was written."
                )


def _load(  # noqa: PLR0915 - one table after the other, in foreign-key order
    data: DemoData, loader: _Loader, timings: dict[str, float]
) -> tuple[dict[str, int], int, int]:
    """Write every table. Returns the rows written per model label and the first site and
    SKU ids."""
    s = _supplier_models()
    cfg = data.config
    counts: dict[str, int] = {}
    clock = time.perf_counter()

    def done(model: type[models.Model], rows: int) -> None:
        nonlocal clock
        now = time.perf_counter()
        counts[model._meta.label] = rows
        timings[f"load {model._meta.label}"] = now - clock
        clock = now

    n_sites, n_skus = len(data.site_code), len(data.sku_code)
    n_sup, n_items = len(data.sup_code), len(data.item_sku)
    n_po, n_lines, n_lots = len(data.po_number), len(data.line_po), len(data.lot_sku)
    n_receipts, n_moves, n_demand = len(data.receipt_lot), len(data.move_lot), data.demand.size
    site0 = loader.reserve(Site, n_sites)
    sku0 = loader.reserve(Sku, n_skus)
    sup0 = loader.reserve(s["Supplier"], n_sup)
    item0 = loader.reserve(s["SupplierItem"], n_items)
    po0 = loader.reserve(s["PurchaseOrder"], n_po)
    lot0 = loader.reserve(Lot, n_lots)
    line0 = loader.reserve(s["PurchaseOrderLine"], n_lines)
    receipt0 = loader.reserve(s["Receipt"], n_receipts)
    move0 = loader.reserve(StockMovement, n_moves)
    demand0 = loader.reserve(DailyDemand, n_demand)
    created = loader.day(0) + f" 00:00:00{loader.tz_suffix}"

    parent = [None if p < 0 else site0 + p for p in data.site_parent.tolist()]
    loader.write(
        Site,
        [
            "id", "code", "name", "echelon", "region", "latitude", "longitude",
            "replenished_from_id", "transit_days", "active",
        ],
        zip(
            range(site0, site0 + n_sites),
            data.site_code,
            data.site_name,
            data.site_echelon,
            data.site_region,
            [f"{v:.5f}" for v in data.site_lat.tolist()],
            [f"{v:.5f}" for v in data.site_lon.tolist()],
            parent,
            data.site_transit.tolist(),
            [True] * n_sites,
            strict=True,
        ),
    )  # fmt: skip
    done(Site, n_sites)
    loader.write(
        Sku,
        [
            "id", "code", "name", "category", "temperature_zone", "shelf_life_days",
            "min_remaining_shelf_life_days", "unit_cost", "criticality", "controlled_substance",
            "active", "created_at", "updated_at",
        ],
        zip(
            range(sku0, sku0 + n_skus),
            data.sku_code,
            data.sku_name,
            [CATEGORIES[c].value for c in data.sku_category.tolist()],
            data.sku_zone,
            data.sku_shelf.tolist(),
            data.sku_min_remaining.tolist(),
            _money(data.sku_cost),
            data.sku_criticality,
            data.sku_controlled.tolist(),
            [True] * n_skus,
            [created] * n_skus,
            [created] * n_skus,
            strict=True,
        ),
    )  # fmt: skip
    done(Sku, n_skus)
    loader.write(
        s["Supplier"],
        ["id", "code", "name", "contact_name", "email", "phone", "active"],
        zip(
            range(sup0, sup0 + n_sup),
            data.sup_code,
            data.sup_name,
            data.sup_contact,
            data.sup_email,
            data.sup_phone,
            [True] * n_sup,
            strict=True,
        ),
    )
    done(s["Supplier"], n_sup)
    loader.write(
        s["SupplierItem"],
        [
            "id", "supplier_id", "sku_id", "lead_time_mean_days", "lead_time_std_days", "moq",
            "order_multiple", "unit_price", "price_breaks", "cost_per_order", "is_primary",
        ],
        zip(
            range(item0, item0 + n_items),
            (sup0 + data.item_supplier).tolist(),
            (sku0 + data.item_sku).tolist(),
            _money(data.item_lt_mean),
            _money(data.item_lt_std),
            data.item_moq.tolist(),
            data.item_multiple.tolist(),
            _money(data.item_price),
            data.item_breaks,
            _money(data.item_order_cost),
            data.item_primary.tolist(),
            strict=True,
        ),
    )  # fmt: skip
    done(s["SupplierItem"], n_items)
    loader.write(
        s["PurchaseOrder"],
        [
            "id", "number", "supplier_id", "destination_id", "status", "ordered_on",
            "expected_on", "created_at", "created_by_id", "sent_at", "acknowledged_at",
        ],
        zip(
            range(po0, po0 + n_po),
            data.po_number,
            (sup0 + data.po_supplier).tolist(),
            (site0 + data.po_site).tolist(),
            data.po_status,
            loader.days(data.po_day),
            loader.days(data.po_expected_day),
            loader.stamps(data.po_day, 8),
            [None] * n_po,
            loader.stamps_or_none(data.po_day, 10.0, np.where(data.po_sent, 0.0, np.nan)),
            loader.stamps_or_none(data.po_day, 10.0, data.po_ack_hours),
            strict=True,
        ),
    )  # fmt: skip
    done(s["PurchaseOrder"], n_po)
    lot_site_ids = site0 + data.lot_site
    loader.write(
        Lot,
        [
            "id", "sku_id", "site_id", "lot_number", "expiry_date", "quantity", "status",
            "received_on", "created_at",
        ],
        zip(
            range(lot0, lot0 + n_lots),
            (sku0 + data.lot_sku).tolist(),
            lot_site_ids.tolist(),
            data.lot_number,
            loader.days(data.lot_expiry_day),
            data.lot_qty.tolist(),
            data.lot_status,
            loader.days(data.lot_received_day),
            loader.stamps(data.lot_received_day, 10),
            strict=True,
        ),
    )  # fmt: skip
    done(Lot, n_lots)
    confirmed = [None if day < 0 else loader.day(day) for day in data.line_confirmed_day.tolist()]
    loader.write(
        s["PurchaseOrderLine"],
        [
            "id", "purchase_order_id", "sku_id", "quantity", "unit_price", "requested_date",
            "confirmed_date", "received_quantity",
        ],
        zip(
            range(line0, line0 + n_lines),
            (po0 + data.line_po).tolist(),
            (sku0 + data.line_sku).tolist(),
            data.line_qty.tolist(),
            _money(data.line_price),
            loader.days(data.line_requested_day),
            confirmed,
            data.line_received.tolist(),
            strict=True,
        ),
    )  # fmt: skip
    done(s["PurchaseOrderLine"], n_lines)
    r_lot = data.receipt_lot
    lot_numbers = np.asarray(data.lot_number, dtype=object)
    loader.write(
        s["Receipt"],
        [
            "id", "line_id", "lot_id", "quantity_received", "quantity_accepted", "lot_number",
            "expiry_date", "received_on", "received_by_id",
        ],
        zip(
            range(receipt0, receipt0 + n_receipts),
            (line0 + data.receipt_line).tolist(),
            (lot0 + r_lot).tolist(),
            data.receipt_received.tolist(),
            data.receipt_accepted.tolist(),
            lot_numbers[r_lot].tolist(),
            loader.days(data.lot_expiry_day[r_lot]),
            loader.days(data.lot_received_day[r_lot]),
            [None] * n_receipts,
            strict=True,
        ),
    )  # fmt: skip
    done(s["Receipt"], n_receipts)

    # Movement references: the PO number (receipts), the ISO week (issues), "EXPIRY".
    kind, lot = data.move_kind, data.move_lot
    reference = np.full(n_moves, "", dtype=object)
    reason = np.full(n_moves, "", dtype=object)
    receipts = np.flatnonzero(kind == KIND_RECEIPT)
    receipt_of = data.lot_receipt[lot[receipts]]
    po_numbers = np.asarray([*data.po_number, "OPENING-BALANCE"], dtype=object)
    from_po = receipt_of >= 0
    po_of = np.full(len(receipts), n_po)  # n_po: the "OPENING-BALANCE" entry
    po_of[from_po] = data.line_po[data.receipt_line[receipt_of[from_po]]]
    reference[receipts] = po_numbers[po_of]
    reason[receipts[receipt_of < 0]] = "Opening balance of the demo data"
    issues = np.flatnonzero(kind == KIND_ISSUE)
    week_days, week_of = np.unique(data.move_day[issues], return_inverse=True)
    labels = np.array(
        [f"ISSUE-{cfg.start + timedelta(days=k):%G-W%V}" for k in week_days.tolist()], dtype=object
    )
    reference[issues] = labels[week_of]
    write_offs = np.flatnonzero(kind == KIND_WRITE_OFF)
    reference[write_offs] = "EXPIRY"
    reason[write_offs] = [
        f"Expired on {loader.day(day)}" for day in data.lot_expiry_day[lot[write_offs]].tolist()
    ]
    clock_times = [f" {hour:02d}:00:00{loader.tz_suffix}" for hour in MOVEMENT_HOURS]
    stamps = (
        np.asarray(loader.days(data.move_day), dtype=object)
        + np.array(clock_times, dtype=object)[kind]
    )
    loader.write(
        StockMovement,
        [
            "id", "kind", "quantity", "lot_id", "sku_id", "site_id", "occurred_at",
            "reference", "reason", "user_id",
        ],
        zip(
            range(move0, move0 + n_moves),
            KIND_NAMES[kind].tolist(),
            data.move_qty.tolist(),
            (lot0 + lot).tolist(),
            (sku0 + data.lot_sku[lot]).tolist(),
            lot_site_ids[lot].tolist(),
            stamps.tolist(),
            reference.tolist(),
            reason.tolist(),
            [None] * n_moves,
            strict=True,
        ),
    )  # fmt: skip
    done(StockMovement, n_moves)
    loader.write_demand(data, sku0 + np.arange(n_skus), site0 + data.demand_site, demand0)
    done(DailyDemand, n_demand)
    return counts, site0, sku0


def _analyze(say: Callable[[str], None], timings: dict[str, float]) -> None:
    """Fresh planner statistics for the tables just loaded, or the pages would run with plans
    made for empty tables until autovacuum catches up."""
    clock = time.perf_counter()
    say("Updating the query planner's statistics ...")
    services.analyze_tables(*demo_models())
    timings["analyze"] = time.perf_counter() - clock


def generate_demo_data(
    config: DemoConfig,
    *,
    replace: bool = False,
    fk_checks: str = "auto",
    log: Callable[[str], None] | None = None,
) -> LoadReport:
    """Generate the data set and load it in one transaction; then refresh stock positions.

    `fk_checks`: "auto" (set-based on PostgreSQL when the user is a superuser, else per row),
    "rows" (always the per-row trigger checks) or "set" (fail unless set-based is possible)."""
    config.validate()
    if connection.vendor not in ("postgresql", "sqlite"):
        raise DemoDataError(
            f"The demo-data generator supports PostgreSQL and SQLite, not {connection.vendor}."
        )
    if fk_checks not in ("auto", "rows", "set"):
        raise DemoDataError("fk_checks must be 'auto', 'rows' or 'set'.")
    say = log or (lambda _message: None)
    existing = tables_with_rows()
    if existing and not replace:
        raise DemoDataError(
            "The database already holds inventory or supplier data "
            f"({', '.join(sorted(existing))}). Run again with --replace to delete all SKUs, "
            "sites, lots, movements, demand, positions, suppliers and purchase orders and "
            "generate new demo data."
        )
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    say(f"Generating {config.skus} SKUs x {config.days} days at {config.sites} sites ...")
    data = generate(config)
    timings["generate"] = time.perf_counter() - clock

    with transaction.atomic():
        loader = _Loader(data)
        clock = time.perf_counter()
        if tables_with_rows():
            say("Deleting the previous inventory and supplier data ...")
            _delete_existing(loader)
        timings["delete"] = time.perf_counter() - clock
        set_based = loader.pg and fk_checks != "rows" and _can_skip_row_fk_checks(loader)
        if fk_checks == "set" and not set_based:
            raise DemoDataError("Set-based foreign-key checks need PostgreSQL and a superuser.")
        if set_based:
            loader.cursor.execute("SET LOCAL session_replication_role = replica")
        say("Loading ...")
        counts, site0, sku0 = _load(data, loader, timings)
        if set_based:
            loader.cursor.execute("SET LOCAL session_replication_role = origin")
            clock = time.perf_counter()
            loaded = [m for m in demo_models() if m is not StockPosition]
            _verify_foreign_keys(loader, loaded)
            timings["verify foreign keys"] = time.perf_counter() - clock
        on_order = {
            (sku0 + sku, site0 + site): qty for (sku, site), qty in data.open_on_order().items()
        }
        clock = time.perf_counter()
        say("Refreshing stock positions ...")
        positions = services.stock_positions_refresh(today=config.today, on_order=on_order)
        timings["stock positions"] = time.perf_counter() - clock
        clock = time.perf_counter()
        say("Classifying ABC-XYZ ...")
        services.abc_xyz_classify(today=config.today)
        timings["ABC-XYZ classification"] = time.perf_counter() - clock
        counts[StockPosition._meta.label] = positions
        statuses = dict(
            StockPosition.objects.values_list("status").annotate(n=models.Count("id")).order_by()
        )
        loader.cursor.close()
        clock = time.perf_counter()
    timings["commit"] = time.perf_counter() - clock
    _analyze(say, timings)
    return LoadReport(
        counts=counts,
        timings=timings,
        fk_checks="set-based" if set_based else "per row",
        position_statuses=statuses,
    )
