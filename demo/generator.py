"""Deterministic demo data: a multi-echelon site network with its replenishment paths, SKUs,
suppliers and their terms, two years of daily demand per SKU-site, lots and the stock ledger,
purchase orders with receipts, transfers between sites, and the derived stock positions
(`manage.py generate_demo_data`).

Determinism. Every random draw comes from numpy's `default_rng`, seeded with `[seed, stream]`
(one stream per part: sites, SKUs, suppliers, demand, network, stock), so the same seed, sizes
and `today` give the same data, and the SKU master does not change when only `--days` does.

The network. A plant, distribution centres (DCs), regional warehouses (each replenished from
its nearest DC) and hospitals/pharmacies (each from its nearest warehouse or DC), with
`Site.transit_days` from the road distance. Paths follow `Site.replenishment`: DCs buy from
suppliers by purchase order; warehouses and most hospitals are replenished by transfer from
their parent; ~12 % of hospitals buy from suppliers themselves. Ultra-cold SKUs and ~30 % of
specialty SKUs are `Sku.direct_delivery`: bought straight into the demand sites. Whether a
SKU-site gets its stock by transfer is decided by the product's own rule,
`inventory.rules.replenished_by_transfer`, so the history and the plan agree. A site stocks a
SKU when it is asked for there or when it replenishes, by transfer, a site that stocks it; every
stocking SKU-site gets a StockPosition row (upstream ones tell the plan the site stocks the SKU).

What is simulated, in two steps:

1. Master data and demand, vectorised in chunks of whole SKUs: a lognormal level per SKU (a
   few fast movers, many slow ones), trend, weekly and yearly seasonality (strong autumn peaks
   for many vaccines), local outbreak/promotion spikes, gamma-Poisson noise, and ~25 % of
   intermittent or lumpy slow movers (many zero days, negative-binomial sizes). Each SKU is
   asked for at several hospitals/pharmacies by its ABC class (expected annual value): A items
   at 60-100 % of them, B at 25-50 %, C at one or two, and never at more sites than give each a
   few units a week. A SKU-site's demand is the SKU's process times the site's share (its size
   times a lognormal factor), with its own spikes and noise. DailyDemand stores units *asked
   for* per SKU-site (stock-outs do not change it).
2. Stock, one vectorised step per week over all stocking SKU-sites at once, from the demand
   sites up: each reviews its position (on hand + on order + in transit) against a reorder
   point on its echelon demand (the end demand of every site it supplies; a supplying site
   counts only stock it may still send on). Sites replenished by transfer ask their parent,
   which sends first-expired-first-out from its released lots that keep the SKU's minimum
   remaining shelf life on arrival (the rule of inventory.services.transfers), each shipment a
   TransferOrder leaving on the child's weekday slot and arriving after the transit days; a
   parent short of stock serves its children in random order and back-orders nothing. Buying
   sites place purchase orders with the primary (now and then the secondary) supplier; lead
   times come from each supplier's distribution with its own lateness, short shipments, split
   deliveries and quality rejections, so the data feed supplier scorecards. Deliveries of the
   week are in stock for that week's issues; demand is issued FEFO from released, unexpired
   lots; lots that expire are written off. Some SKU-sites run lean (stock-outs), some
   over-stocked, some buyers disrupted (a late open order at the end). Orders still under way
   at `today` stay open (purchase orders sent/acknowledged or partially received, transfer
   orders shipped with their units in StockPosition.in_transit).

The history's figures over its last year (`network_figures`, printed by the command): pooled
fill rate at the demand sites, inventory turnover network-wide (annual cost of goods issued /
average inventory value, in transit included) and expired value as a share of the cost of
goods, all computed from the generated demand and ledger. The policy parameters are tuned so
they read like a textbook-run network (README, Demo data).

Modelling choices worth knowing:

- Issue movements are aggregated per lot per week (dated the last day of the week, reference
  `ISSUE-<ISO week>`). Demand is issued in weekly buckets, so a stock-out is a week with
  unserved demand. Each lot's quantity equals the sum of its movements and never goes below
  zero; issues never take from a lot after its expiry date; write-offs are dated the day
  after expiry.
- Transfers are recorded as inventory.services.transfers records a received transfer order:
  transfer_out movements from the source lots (reference: the order number, reason "to
  <site>"), transfer_in movements into the destination's lot of the same number and expiry
  (created on the first arrival, added to afterwards; reason "from <site>"), one
  TransferOrderPick per source lot with the lot it arrived in.
- Accepted units enter the lot; rejected units go back to the supplier (Receipt keeps both).
  Sites that supply others get product fresh from the manufacturer (80-98 % of the shelf life
  left), sites that buy for themselves 60-95 %.
- Opening stock: 1-3 lots per stocking SKU-site received up to 60 days before the history
  starts (reference `OPENING-BALANCE`, no purchase order).
- Lots received in the last week are often still in quarantine; ~1 % of the other current
  lots are put on quality hold at the end (as after a temperature excursion).

Loading. Everything is written in one transaction (all or nothing). Primary keys are reserved
up front (PostgreSQL: the table is locked and the identity sequence advanced by the row count;
SQLite: after the current maximum), so rows can reference each other without reading ids back.
On PostgreSQL every table is loaded with COPY (DailyDemand in the binary format, straight from
numpy); on SQLite with executemany. COPY and executemany bypass Django signals, hence the audit
trail (django-auditlog): acceptable for generated demo data, which nobody edited. Stock
positions are then rebuilt by `inventory.services.stock.stock_positions_refresh` (on-order from
the open purchase-order lines, in-transit from the shipped transfer orders), plus an empty row
for any stocking SKU-site that holds nothing today. `--replace` empties every inventory and
supplier table first (TRUNCATE on PostgreSQL, DELETE on SQLite) without resetting the id
sequences, so a new row never takes the id of a deleted one that the audit trail still names.

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

import itertools
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
    ReplenishmentSource,
    Site,
    Sku,
    StockMovement,
    StockPosition,
    TemperatureZone,
    TransferOrder,
    TransferOrderPick,
    TransferOrderStatus,
)
from inventory.rules import replenished_by_transfer
from inventory.services import stock as services
from suppliers.price_breaks import PriceBreaks


class DemoDataError(Exception):
    """The generator refuses to run (bad arguments, existing data, unsupported database)."""


# ---- configuration -------------------------------------------------------------------------

OPEN_PO_STATUSES = ("approved", "sent", "acknowledged", "partially_received")
DEMAND_CHUNK_ROWS = 8000  # SKU-site rows per demand chunk (bounds memory; fixed: stable output)
SUPPLIER_HOSPITAL_SHARE = 0.12  # hospitals/pharmacies that buy from suppliers themselves
DIRECT_SPECIALTY_SHARE = 0.3  # specialty SKUs delivered direct (all ultra-cold ones are)
MIN_SITE_WEEKLY_UNITS = 5.0  # a SKU is spread over at most (its weekly units / this) sites
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
STREAM_NETWORK = 6  # direct delivery, demand sites and their shares


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
    site_replenishment: list[str]  # ReplenishmentSource values
    site_size: np.ndarray  # a hospital's weight when demand is spread over sites
    site_delivery_day: np.ndarray  # day of the week transfers to the site leave its parent
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
    sku_direct: np.ndarray  # suppliers deliver it straight to the sites that stock it
    sku_abc: list[str]  # "A", "B" or "C" by expected annual value, network-wide
    # demand: one series per demand SKU-site, rows ordered by SKU then site
    demand: np.ndarray  # (SKU-sites, days) int32
    demand_sku: np.ndarray
    demand_site: np.ndarray
    # stocking SKU-sites (demand SKU-sites and the upstream sites that supply them), ordered
    # by SKU then site; parent: the stocking SKU-site it gets transfers from, or -1 (buys)
    stock_sku: np.ndarray
    stock_site: np.ndarray
    stock_parent: np.ndarray
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
    lot_site: np.ndarray
    lot_number: list[str]
    lot_expiry_day: np.ndarray
    lot_received_day: np.ndarray
    lot_qty: np.ndarray
    lot_status: list[str]
    lot_receipt: np.ndarray  # the receipt that created the lot, or -1 (opening stock, transfer)
    # movements (kind: KIND_*), ordered by lot then time; order: the transfer order, or -1
    move_kind: np.ndarray
    move_lot: np.ndarray
    move_qty: np.ndarray
    move_day: np.ndarray
    move_order: np.ndarray
    # transfer orders (received, or shipped and in transit at the end) and their picks
    to_number: list[str]
    to_sku: np.ndarray
    to_source: np.ndarray  # site
    to_destination: np.ndarray  # site
    to_qty: np.ndarray
    to_ship_day: np.ndarray
    to_arrival_day: np.ndarray
    to_received: np.ndarray
    pick_order: np.ndarray
    pick_lot: np.ndarray  # the source lot
    pick_qty: np.ndarray
    pick_destination_lot: np.ndarray  # -1 while in transit

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
        # Drawn after everything above, so the sites themselves do not change.
        **_replenishment_paths(rng, wh_idx, hosp_idx, n),
        "hospitals": hosp_idx,
    }


def _replenishment_paths(
    rng: np.random.Generator, wh_idx: np.ndarray, hosp_idx: np.ndarray, n: int
) -> dict[str, Any]:
    """DCs buy from suppliers; warehouses are replenished from their DC; hospitals and
    pharmacies from their warehouse or DC, except a few that buy from suppliers themselves.
    With each hospital's size (its weight when demand is spread over sites) and the weekday
    transfers to a site leave its parent (0 = the week's first day)."""
    replenishment = np.full(n, ReplenishmentSource.SUPPLIER.value, dtype=object)
    replenishment[wh_idx] = ReplenishmentSource.PARENT.value
    buys = rng.random(len(hosp_idx)) < SUPPLIER_HOSPITAL_SHARE
    buys[0] = False  # at least one hospital is replenished by transfer
    replenishment[hosp_idx] = np.where(
        buys, ReplenishmentSource.SUPPLIER.value, ReplenishmentSource.PARENT.value
    )
    size = np.ones(n)
    size[hosp_idx] = rng.lognormal(0.0, 0.6, len(hosp_idx))
    delivery_day = np.zeros(n, np.int64)
    delivery_day[1:] = rng.integers(0, TRANSFER_SLOT_DAYS, n - 1)
    return {
        "site_replenishment": replenishment.tolist(),
        "site_size": size,
        "site_delivery_day": delivery_day,
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
ABC_SHARES = (0.80, 0.95)  # cumulative value shares that end classes A and B (DOMAIN.md)


def _abc_classes(value: np.ndarray) -> np.ndarray:
    """0 (A), 1 (B) or 2 (C) per item by its share of the cumulative value, sorted descending;
    an item is in the class its cumulative share *before* it falls in, so the top item is A."""
    order = np.argsort(-value, kind="stable")
    before = np.cumsum(value[order]) - value[order]
    share = before / max(float(value.sum()), 1e-12)
    classes = np.empty(len(value), np.int64)
    classes[order] = np.searchsorted(np.asarray(ABC_SHARES), share, side="right")
    return classes


def _demand_sites(
    config: DemoConfig, skus: dict[str, Any], sites: dict[str, Any], level: np.ndarray
) -> dict[str, Any]:
    """Which hospitals/pharmacies ask for each SKU, and each one's share of the SKU's demand.

    The SKU's ABC class by expected annual value (level x unit cost) sets how widely it is used:
    A items at 60-100 % of the demand sites, B items at 25-50 % (at least two), C items at one
    or two. Sites are drawn without replacement weighted by their size (Gumbel top-k), and each
    SKU-site's share is its site's size times a lognormal factor, normalised per SKU. Ultra-cold
    SKUs and ~30 % of specialty SKUs are delivered direct (Sku.direct_delivery)."""
    rng = _rng(config.seed, STREAM_NETWORK)
    n = config.skus
    category = skus["sku_category"]
    zone = np.asarray(skus["sku_zone"], dtype=object)
    specialty = category == CATEGORIES.index(Category.SPECIALTY)
    direct = (zone == TemperatureZone.ULTRA_COLD) | (
        specialty & (rng.random(n) < DIRECT_SPECIALTY_SHARE)
    )
    abc = _abc_classes(level * skus["sku_cost"])
    hospitals = sites["hospitals"]
    h = len(hospitals)
    u = rng.random(n)
    count = np.select(
        [abc == 0, abc == 1],
        [np.ceil(h * (0.6 + 0.4 * u)), np.maximum(np.round(h * (0.25 + 0.25 * u)), 2)],
        default=1 + (u < 0.35),
    )
    # A slow mover is used at few sites whatever its value (each site asks a few units a week).
    count = np.minimum(count, np.floor(level * 7 / MIN_SITE_WEEKLY_UNITS))
    count = np.clip(count, 1, h).astype(np.int64)
    size = sites["site_size"][hospitals]
    keys = np.log(size)[None, :] + rng.gumbel(size=(n, h))
    chosen = np.zeros((n, h), bool)
    np.put_along_axis(
        chosen, np.argsort(-keys, axis=1), np.arange(h)[None, :] < count[:, None], axis=1
    )
    row_sku, column = np.nonzero(chosen)  # ordered by SKU, then site
    weight = size[column] * rng.lognormal(0.0, 0.6, len(row_sku))
    share = weight / np.bincount(row_sku, weights=weight, minlength=n)[row_sku]
    return {
        "sku_direct": direct,
        "sku_abc": np.array(["A", "B", "C"], dtype=object)[abc].tolist(),
        "demand_sku": row_sku.astype(np.int64),
        "demand_site": hospitals[column],
        "share": share,
    }


def _spikes(rng: np.random.Generator, rows: int, d: int) -> np.ndarray:
    """Local outbreaks / promotions, (rows x d) multipliers: ~1.5 a year per row, each a
    x1.5-4 log-uniform multiplier switched on for 3-21 days."""
    n_events = rng.poisson(1.5 * d / 365.0, rows)
    ev_row = np.repeat(np.arange(rows), n_events)
    ev_start = rng.integers(0, d, len(ev_row))
    ev_end = np.minimum(ev_start + rng.integers(3, 22, len(ev_row)), d)
    ev_log = rng.uniform(np.log(1.5), np.log(4.0), len(ev_row))
    steps = np.zeros((rows, d + 1))
    np.add.at(steps, (ev_row, ev_start), ev_log)
    np.add.at(steps, (ev_row, ev_end), -ev_log)
    return np.exp(np.cumsum(steps[:, :d], axis=1))


def _generate_demand(config: DemoConfig, skus: dict[str, Any], sites: dict[str, Any]) -> dict:
    """Daily demand per SKU-site: the SKU's process (level, trend, season, spikes,
    intermittency) split over its demand sites by their shares, each site with its own noise.
    Rows are ordered by SKU, then site."""
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
    where = _demand_sites(config, skus, sites, level)
    row_sku, share = where["demand_sku"], where["share"]

    t = np.arange(d)
    dates = np.datetime64(config.start, "D") + t
    doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64) + 1
    weekday = (config.start.weekday() + t) % 7
    years_to_today = (t - (d - 1)) / 365.0

    # Chunks of whole SKUs of about DEMAND_CHUNK_ROWS SKU-site rows each (bounds memory).
    first_row = np.searchsorted(row_sku, np.arange(n + 1))
    chunk_of = first_row[:n] // DEMAND_CHUNK_ROWS
    bounds = [0, *(np.flatnonzero(np.diff(chunk_of)) + 1).tolist(), n]
    demand = np.empty((len(row_sku), d), np.int32)
    for a, b in itertools.pairwise(bounds):
        sku_rows = np.arange(a, b)
        trend = np.maximum(1.0 + growth[sku_rows, None] * years_to_today[None, :], 0.2)
        week = 1.0 + weekly_amp[sku_rows, None] * (WEEKDAY_PATTERN[weekday][None, :] - 1.0)
        angle = 2 * np.pi * (doy[None, :] - season_peak[sku_rows, None]) / 365.25
        season = 1.0 + season_amp[sku_rows, None] * np.cos(angle)
        rows = np.arange(first_row[a], first_row[b])
        sku = row_sku[rows]
        # The SKU's trend and seasons drive all its sites; each has its share, spikes, noise.
        shape = (trend * week * season)[sku - a] * _spikes(rng, len(rows), d)
        lumpy = intermittent[sku]
        # Smooth/erratic series: gamma-Poisson (negative binomial) around the level.
        s_rows, s_sku = rows[~lumpy], sku[~lumpy]
        k = noise_shape[s_sku, None]
        mean = (level[s_sku] * share[s_rows])[:, None] * shape[~lumpy]
        demand[s_rows] = rng.poisson(mean * rng.gamma(k, 1.0 / k, (len(s_rows), d)))
        # Intermittent/lumpy series: occurrence x size (a smaller site asks less often).
        i_rows, i_sku = rows[lumpy], sku[lumpy]
        p = np.clip((occurrence[i_sku] * share[i_rows])[:, None] * shape[lumpy], 0.0, 0.95)
        occurs = rng.random((len(i_rows), d)) < p
        r = size_r[i_sku, None]
        q = r / (r + size_mean[i_sku, None] - 1.0 + 1e-9)
        sizes = 1 + rng.negative_binomial(r, q, (len(i_rows), d))
        demand[i_rows] = np.where(occurs, sizes, 0)
    return {
        "demand": demand,
        "demand_sku": row_sku,
        "demand_site": where["demand_site"],
        "sku_direct": where["sku_direct"],
        "sku_abc": where["sku_abc"],
        "intermittent": intermittent,
    }


# ---- the network: which SKU-sites hold stock and where each gets it from -------------------


@dataclass(frozen=True)
class _Network:
    """The stocking SKU-sites ("nodes"), ordered by SKU then site: every demand SKU-site and
    every upstream site that replenishes one by transfer. `parent` is the node it gets its stock
    from by transfer, or -1 when it buys by purchase order; `depth` counts the transfers
    between it and the node that bought the stock (0 for buyers); `demand_row` is its row of
    the demand matrix, or -1 upstream."""

    sku: np.ndarray
    site: np.ndarray
    parent: np.ndarray
    depth: np.ndarray
    demand_row: np.ndarray


def _by_transfer_table(sites: dict[str, Any]) -> np.ndarray:
    """(sites x 2) booleans: whether a site gets a SKU (not delivered direct, delivered direct)
    by transfer from its parent, straight from the product's rule."""
    return np.array(
        [
            [
                replenished_by_transfer(
                    site_replenishment=replenishment,
                    has_parent=bool(parent >= 0),
                    direct_delivery=direct,
                )
                for direct in (False, True)
            ]
            for replenishment, parent in zip(
                sites["site_replenishment"], sites["site_parent"].tolist(), strict=True
            )
        ],
        dtype=bool,
    ).reshape(-1, 2)


def _network(sites: dict[str, Any], demand: dict[str, Any]) -> _Network:
    n_sites = len(sites["site_code"])
    parent_site = sites["site_parent"]
    table = _by_transfer_table(sites)
    direct = demand["sku_direct"].astype(np.int64)
    d_key = demand["demand_sku"] * n_sites + demand["demand_site"]
    keys, sku, site = [d_key], demand["demand_sku"], demand["demand_site"]
    while True:  # walk up the transfer paths; each step climbs one level of the tree
        up = table[site, direct[sku]]
        if not up.any():
            break
        sku, site = sku[up], parent_site[site[up]]
        keys.append(sku * n_sites + site)
    node_key = np.unique(np.concatenate(keys))
    node_sku, node_site = node_key // n_sites, node_key % n_sites
    by_transfer = table[node_site, direct[node_sku]]
    parent_key = node_sku * n_sites + np.maximum(parent_site[node_site], 0)
    parent = np.where(by_transfer, np.searchsorted(node_key, parent_key), -1)
    depth = np.zeros(len(node_key), np.int64)
    hop = parent.copy()
    while (hop >= 0).any():
        depth += hop >= 0
        hop = np.where(hop >= 0, parent[np.maximum(hop, 0)], -1)
    row = np.minimum(np.searchsorted(d_key, node_key), len(d_key) - 1)
    return _Network(
        sku=node_sku,
        site=node_site,
        parent=parent,
        depth=depth,
        demand_row=np.where(d_key[row] == node_key, row, -1),
    )


# ---- stock, orders, receipts, transfers: a weekly simulation over all SKU-sites at once -----

KIND_RECEIPT, KIND_ISSUE, KIND_WRITE_OFF, KIND_TRANSFER_OUT, KIND_TRANSFER_IN = 0, 1, 2, 3, 4
# UTC hour of receipts, (weekly) issues, write-offs, transfers out and in: a lot's movements
# in time order on any day.
MOVEMENT_HOURS = (10, 18, 6, 14, 9)
FAR_FUTURE = np.iinfo(np.int64).max // 4
TRANSFER_SLOT_DAYS = 5  # transfers leave on one of the week's first five days


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


class _Column:
    """A growing int64 column that can be read and written while it grows."""

    def __init__(self) -> None:
        self.data = np.empty(1024, np.int64)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        end = self.size + len(values)
        if end > len(self.data):
            self.data = np.concatenate([self.data, np.empty(max(end, len(self.data)), np.int64)])
        self.data[self.size : end] = values
        self.size = end

    @property
    def values(self) -> np.ndarray:
        return self.data[: self.size]


class _Slots:
    """The lots on hand per node: (nodes x slots) matrices of lot id, quantity, expiry and
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
        node: np.ndarray,
        qty: np.ndarray,
        expiry: np.ndarray,
        quarantine: np.ndarray,
    ) -> None:
        if not len(lot):
            return
        order = np.argsort(node, kind="stable")
        lot, node, qty, expiry, quarantine = (
            a[order] for a in (lot, node, qty, expiry, quarantine)
        )
        _, first = np.unique(node, return_index=True)
        group_start = np.repeat(first, np.diff(np.append(first, len(node))))
        rank = np.arange(len(node)) - group_start
        for r in range(int(rank.max()) + 1):
            sel = rank == r
            rows = node[sel]
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


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... for the members of each group, in their order (groups need not be sorted)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    start = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    rank_sorted = np.arange(len(groups)) - np.repeat(start, np.diff(np.r_[start, len(groups)]))
    rank = np.empty(len(groups), np.int64)
    rank[order] = rank_sorted
    return rank


@dataclass(frozen=True)
class _Policy:
    """The history's replenishment policy per node: a periodic-review order-up-to policy
    on the node's echelon demand (the end demand of every demand site it supplies)."""

    review: np.ndarray  # weeks between reviews
    phase: np.ndarray  # the review weeks are those with (week - phase) % review == 0
    cover: np.ndarray  # cycle stock ordered on top of the reorder point, in weeks of demand
    z: np.ndarray  # safety factor on the demand's standard deviation over the protection time
    lead_weeks: np.ndarray  # purchase-order lead time, or the transfer's delivery, in weeks
    cap_weeks: np.ndarray  # shelf-life cap on an order, in weeks of demand
    disrupted: np.ndarray  # purchase orders placed near the end arrive very late


# Policy parameters of the history, tuned so that its last year reads like a network run by
# the textbook: a pooled fill rate of ~94-96 %, inventory turnover ~5 a year, ~1 % of the cost
# of goods expiring (network_figures; the README gives the figures the generator prints).
# Review periods in weeks and their probabilities: buying sites, sites replenished by transfer.
PO_REVIEW_WEEKS, PO_REVIEW_P = (1, 2, 4), (0.4, 0.4, 0.2)
TRANSFER_REVIEW_WEEKS, TRANSFER_REVIEW_P = (1, 2), (0.7, 0.3)
# Cycle stock ordered on top of the reorder point, in weeks of demand (uniform ranges).
PO_COVER_WEEKS = (0.2, 1.0)
TRANSFER_COVER_WEEKS = (0.2, 0.6)
# Safety factors: sites that supply others keep less (they see pooled demand).
SAFETY_FACTOR, UPSTREAM_SAFETY_FACTOR = 1.65, 0.8
# Forecast = mean of the last FORECAST_WEEKS weeks; spread from the last SIGMA_WEEKS weeks,
# robust (median absolute deviation) but at least SIGMA_FLOOR x their standard deviation.
FORECAST_WEEKS, SIGMA_WEEKS, SIGMA_FLOOR = 8, 26, 0.5
# Remaining shelf life at receipt, as a share of the shelf life: a site that supplies others
# gets product fresh from the manufacturer; a site that buys for itself, what a wholesaler has.
FRESH_LIFE, DELIVERED_LIFE = (0.8, 0.98), (0.6, 0.95)
# Shares of SKU-sites run lean (stock-outs), with excess stock, or hit by a late supplier.
LEAN_SHARE, EXCESS_SHARE, DISRUPTED_SHARE = 0.03, 0.01, 0.015
EXCESS_COVER_WEEKS = (8.0, 20.0)


def _policy(
    rng: np.random.Generator,
    net: _Network,
    sites: dict[str, Any],
    skus: dict[str, Any],
    agreed_lead: np.ndarray,
) -> _Policy:
    n = len(net.sku)
    buys = net.parent < 0
    review = np.where(
        buys,
        rng.choice(PO_REVIEW_WEEKS, size=n, p=PO_REVIEW_P),
        rng.choice(TRANSFER_REVIEW_WEEKS, size=n, p=TRANSFER_REVIEW_P),
    )
    phase = rng.integers(0, 4, n) % review
    cover = np.where(buys, rng.uniform(*PO_COVER_WEEKS, n), rng.uniform(*TRANSFER_COVER_WEEKS, n))
    supplies = np.zeros(n, bool)
    supplies[net.parent[net.parent >= 0]] = True
    z = np.where(supplies, UPSTREAM_SAFETY_FACTOR, SAFETY_FACTOR)
    profile = rng.random(n)
    lean = (profile < LEAN_SHARE) & (net.demand_row >= 0)
    excess = (profile >= LEAN_SHARE) & (profile < LEAN_SHARE + EXCESS_SHARE)
    disrupted = (
        buys
        & (profile >= LEAN_SHARE + EXCESS_SHARE)
        & (profile < LEAN_SHARE + EXCESS_SHARE + DISRUPTED_SHARE)
    )
    z[lean], cover[lean] = 0.0, rng.uniform(0.3, 1.0, int(lean.sum()))
    cover[excess] = rng.uniform(*EXCESS_COVER_WEEKS, int(excess.sum()))
    shelf = skus["sku_shelf"][net.sku]
    delivery = sites["site_delivery_day"][net.site] + sites["site_transit"][net.site]
    # Stock received in a week is shipped on from the next week: one more week for suppliers.
    lead_weeks = np.where(buys, agreed_lead / 7.0, delivery // 7) + supplies
    # Shelf-life cap: a demand site orders at most half the shelf life's demand; a site that
    # supplies others at most half the time its units may still be sent on (until they reach
    # the SKU's minimum remaining shelf life; they arrive with ~60-95 % of it left).
    sendable = shelf * FRESH_LIFE[0] - skus["sku_min_remaining"][net.sku]
    cap_days = np.where(net.demand_row >= 0, shelf * 0.5, sendable * 0.5)
    cap_weeks = np.where(excess, np.inf, np.maximum(cap_days / 7.0, 1.0))
    return _Policy(review, phase, cover, z, lead_weeks, cap_weeks, disrupted)


def _simulate(  # noqa: PLR0915 - one weekly loop reads best in one place
    *,
    config: DemoConfig,
    sites: dict[str, Any],
    skus: dict[str, Any],
    suppliers: dict[str, Any],
    demand: np.ndarray,
    net: _Network,
) -> dict[str, Any]:
    rng = _rng(config.seed, STREAM_STOCK)
    n_skus, d = config.skus, config.days
    n = len(net.sku)  # nodes
    weeks = math.ceil(d / 7)
    behaviour: SupplierBehaviour = suppliers["behaviour"]
    padded = np.zeros((len(demand), weeks * 7), np.int64)
    padded[:, :d] = demand
    weekly_demand = padded.reshape(len(demand), weeks, 7).sum(axis=2)
    del padded
    # Echelon demand: each node's own end demand plus that of every node it supplies.
    weekly = np.zeros((n, weeks), np.int64)
    is_demand = net.demand_row >= 0
    weekly[is_demand] = weekly_demand[net.demand_row[is_demand]]
    for level in range(int(net.depth.max()), 0, -1):
        at = np.flatnonzero(net.depth == level)
        np.add.at(weekly, net.parent[at], weekly[at])
    demand_nodes = np.flatnonzero(is_demand)
    node_sku, node_site, node_parent = net.sku, net.site, net.parent

    item_sku, item_sup = suppliers["item_sku"], suppliers["item_supplier"]
    primary = np.empty(n_skus, np.int64)
    primary[item_sku[suppliers["item_primary"]]] = np.flatnonzero(suppliers["item_primary"])
    secondary = np.full(n_skus, -1, np.int64)
    secondary[item_sku[~suppliers["item_primary"]]] = np.flatnonzero(~suppliers["item_primary"])
    agreed_lt = suppliers["item_quoted"]
    moq, multiple = suppliers["item_moq"], suppliers["item_multiple"]
    break_qty, break_price = _price_break_table(suppliers["item_breaks"])
    shelf, min_remaining = skus["sku_shelf"], skus["sku_min_remaining"]
    transit, delivery_day = sites["site_transit"], sites["site_delivery_day"]
    n_sites = len(transit)

    policy = _policy(rng, net, sites, skus, agreed_lt[primary[node_sku]])
    supplies = np.zeros(n, bool)  # the node replenishes others by transfer
    supplies[node_parent[node_parent >= 0]] = True
    disruption_weeks = rng.integers(6, 12, n)
    disruption_delay = rng.integers(45, 91, n)
    by_depth = [np.flatnonzero(net.depth == k) for k in range(int(net.depth.max()) + 1)]

    slots = _Slots(n)
    lots = _Chunks("node", "qty", "expiry", "received", "quarantine", "shipment")
    lot_origin = _Column()  # the purchase-order or opening lot a lot's units came from
    moves = _Chunks("kind", "lot", "qty", "day", "order")
    lines = _Chunks("po", "node", "item", "qty", "price", "requested", "late_days")
    pos = _Chunks("supplier", "site", "day", "expected")
    ships = _Chunks("line", "node", "arrival", "received", "accepted", "expiry", "quarantine")
    orders = _Chunks("source", "destination", "qty", "ship_day", "arrival")
    picks = _Chunks("order", "lot", "qty")
    pick_destination = _Column()  # the lot a pick arrived in, -1 while in transit
    buckets: dict[int, list[dict[str, np.ndarray]]] = {}
    arrivals: dict[int, list[dict[str, np.ndarray]]] = {}
    child_lot: dict[tuple[int, int], int] = {}  # (node, origin lot) -> that node's lot
    on_order = np.zeros(n, np.int64)
    in_transit = np.zeros(n, np.int64)
    counters = {"lot": 0, "line": 0, "po": 0, "ship": 0, "order": 0, "pick": 0}

    def new_lots(
        *,
        node: np.ndarray,
        qty: np.ndarray,
        expiry: np.ndarray,
        received: np.ndarray,
        quarantine: np.ndarray,
        shipment: np.ndarray,
        origin: np.ndarray | None = None,
        kind: int = KIND_RECEIPT,
        order: np.ndarray | None = None,
    ) -> np.ndarray:
        ids = counters["lot"] + np.arange(len(node))
        counters["lot"] += len(node)
        lot_origin.extend(ids if origin is None else origin)
        lots.add(
            node=node,
            qty=np.zeros(len(node), np.int64) if kind == KIND_TRANSFER_IN else qty,
            expiry=expiry,
            received=received,
            quarantine=quarantine,
            shipment=shipment,
        )
        if kind == KIND_RECEIPT:
            moves.add(
                kind=np.full(len(ids), KIND_RECEIPT),
                lot=ids,
                qty=qty,
                day=received,
                order=np.full(len(ids), -1),
            )
        slots.place(ids, node, qty, expiry, quarantine)
        return ids

    # Opening stock on day 0 at every node: 1-3 lots, about half a cycle plus safety stock.
    first_weeks = weekly[:, : min(8, weeks)]
    mean0 = first_weeks.mean(axis=1)
    std0 = first_weeks.std(axis=1)
    horizon0 = policy.lead_weeks + policy.review
    opening = mean0 * (horizon0 + policy.cover / 2) + policy.z * std0 * np.sqrt(horizon0)
    opening = np.ceil(opening * rng.uniform(0.6, 1.4, n)).astype(np.int64)
    opening = np.where(node_parent < 0, np.maximum(opening, moq[primary[node_sku]]), opening)
    opening = np.maximum(opening, 1)
    n_open = rng.integers(1, 4, n)
    o_node = np.repeat(np.arange(n), n_open)
    o_share = rng.random(len(o_node)) + 0.2
    o_share /= np.bincount(o_node, weights=o_share)[o_node]
    o_qty = np.maximum(np.floor(opening[o_node] * o_share).astype(np.int64), 1)
    o_received = -rng.integers(1, 61, len(o_node))
    o_sku = node_sku[o_node]
    o_life = np.round(shelf[o_sku] * rng.uniform(0.55, 0.95, len(o_node))).astype(np.int64)
    o_life = np.maximum(o_life, min_remaining[o_sku] + 7)
    new_lots(
        node=o_node,
        qty=o_qty,
        expiry=o_received + o_life,
        received=o_received,
        quarantine=np.zeros(len(o_node), bool),
        shipment=np.full(len(o_node), -1),
    )

    def receive(batch: list[dict[str, np.ndarray]]) -> None:
        if not batch:
            return
        cols = {key: np.concatenate([part[key] for part in batch]) for key in batch[0]}
        np.subtract.at(on_order, cols["node"], cols["release"])
        new_lots(
            node=cols["node"],
            qty=cols["accepted"],
            expiry=cols["expiry"],
            received=cols["arrival"],
            quarantine=cols["quarantine"],
            shipment=cols["ship"],
        )

    def arrive(batch: list[dict[str, np.ndarray]]) -> None:
        """Transfers received: each pick's units go into the destination's lot of the same
        number (created on its first arrival, with the source lot's expiry)."""
        if not batch:
            return
        cols = {key: np.concatenate([part[key] for part in batch]) for key in batch[0]}
        node, origin, qty = cols["node"], cols["origin"], cols["qty"]
        np.subtract.at(in_transit, node, qty)
        lot = np.array(
            [child_lot.get(key, -1) for key in zip(node.tolist(), origin.tolist(), strict=True)],
            np.int64,
        )
        new = np.flatnonzero(lot < 0)
        if len(new):
            span = counters["lot"] + 1  # every origin lot id is below it
            keys, first = np.unique(node[new] * span + origin[new], return_index=True)
            made = new[first]
            ids = new_lots(
                node=node[made],
                qty=np.zeros(len(made), np.int64),
                expiry=cols["expiry"][made],
                received=cols["arrival"][made],
                quarantine=np.zeros(len(made), bool),
                shipment=np.full(len(made), -1),
                origin=origin[made],
                kind=KIND_TRANSFER_IN,
            )
            for key, lot_id in zip(
                zip(node[made].tolist(), origin[made].tolist(), strict=True),
                ids.tolist(),
                strict=True,
            ):
                child_lot[key] = lot_id
            lot[new] = ids[np.searchsorted(keys, node[new] * span + origin[new])]
        pick_destination.data[cols["pick"]] = lot
        moves.add(
            kind=np.full(len(lot), KIND_TRANSFER_IN),
            lot=lot,
            qty=qty,
            day=cols["arrival"],
            order=cols["order"],
        )
        # Into the slots: add to a lot still held, or hold it again.
        units, at = np.unique(lot, return_inverse=True)
        total = np.bincount(at, weights=qty).astype(np.int64)
        holder = node[np.unique(at, return_index=True)[1]]
        match = slots.lot[holder] == units[:, None]
        held = match.any(axis=1)
        slots.qty[holder[held], match[held].argmax(axis=1)] += total[held]
        again = ~held
        if again.any():
            expiry = cols["expiry"][np.unique(at, return_index=True)[1]]
            slots.place(
                units[again],
                holder[again],
                total[again],
                expiry[again],
                np.zeros(int(again.sum()), bool),
            )

    def review(all_nodes: np.ndarray, w: int, day0: int, usable: np.ndarray) -> np.ndarray:
        """Order where the position is at or below the reorder point: purchase orders for
        buying nodes (placed here), transfer requests for the others (returned as quantities
        per node, 0 where nothing is asked)."""
        asked = np.zeros(len(all_nodes), np.int64)
        reviewing = (w - policy.phase[all_nodes]) % policy.review[all_nodes] == 0
        nodes = all_nodes[reviewing]
        recent = weekly[nodes, max(0, w - FORECAST_WEEKS) : w] if w else first_weeks[nodes]
        longer = weekly[nodes, max(0, w - SIGMA_WEEKS) : w] if w else first_weeks[nodes]
        forecast = recent.mean(axis=1)
        # Spread from the median absolute deviation: an outbreak spike does not inflate it.
        mad = np.abs(longer - np.median(longer, axis=1, keepdims=True))
        sigma = np.maximum(1.4826 * np.median(mad, axis=1), longer.std(axis=1) * SIGMA_FLOOR)
        counted = usable[nodes]
        # A supplying site counts only what it may still send on (a week's transit allowed).
        sendable_from = day0 + 13 + min_remaining[node_sku[nodes]]
        counted &= ~supplies[nodes, None] | (slots.expiry[nodes] >= sendable_from[:, None])
        on_hand = (slots.qty[nodes] * counted).sum(axis=1)
        position = on_hand + on_order[nodes] + in_transit[nodes]
        horizon = policy.lead_weeks[nodes] + policy.review[nodes]
        rop = forecast * horizon + policy.z[nodes] * sigma * np.sqrt(horizon)
        due = (position <= rop) & (forecast > 0)
        want = rop + policy.cover[nodes] * forecast - position
        want = np.minimum(want, forecast * np.minimum(policy.cap_weeks[nodes], 1e6))
        want = np.where(due, np.ceil(np.maximum(want, 1.0)), 0).astype(np.int64)
        buying = due & (node_parent[nodes] < 0)
        if buying.any():
            purchase(nodes[buying], want[buying], w, day0)
        asked[reviewing] = np.where(buying, 0, want)
        return asked

    def purchase(  # noqa: PLR0915 - an order's lines, lead times and deliveries in one place
        ordering: np.ndarray, want: np.ndarray, w: int, day0: int
    ) -> None:
        m = len(ordering)
        sku = node_sku[ordering]
        use_second = (secondary[sku] >= 0) & (rng.random(m) < 0.15)
        item = np.where(use_second, secondary[sku], primary[sku])
        qty = np.maximum(want, moq[item])
        qty = -(-qty // multiple[item]) * multiple[item]
        sup = item_sup[item]
        price = suppliers["item_price"][item].copy()
        for b in range(3):
            price = np.where(qty >= break_qty[item, b], break_price[item, b], price)
        above = rng.random(m) < behaviour.price_var_p[sup]
        price = np.round(np.where(above, price * rng.uniform(1.01, 1.08, m), price), 2)
        # One purchase order per supplier and destination this week.
        site = node_site[ordering]
        keys, po_of = np.unique(sup * n_sites + site, return_inverse=True)
        n_po = len(keys)
        po_sup = keys // n_sites
        po_ids = counters["po"] + np.arange(n_po)
        counters["po"] += n_po
        # Lead time per order: 0-3 days early, or late by an exponential number of days.
        late = rng.random(n_po) < behaviour.late_p[po_sup]
        late_days = np.where(late, np.ceil(rng.exponential(behaviour.late_mean[po_sup])), 0)
        early = np.where(late, 0, rng.integers(0, 4, n_po))
        agreed = agreed_lt[item]
        line_late = late_days[po_of].astype(np.int64)
        actual = np.maximum(agreed - early[po_of], 1) + line_late
        hit = policy.disrupted[ordering] & (w >= weeks - disruption_weeks[ordering])
        actual[hit] += disruption_delay[ordering][hit]
        line_late[hit] += disruption_delay[ordering][hit]
        expected = np.zeros(n_po, np.int64)
        np.maximum.at(expected, po_of, agreed)
        pos.add(
            supplier=po_sup,
            site=keys % n_sites,
            day=np.full(n_po, day0),
            expected=day0 + expected,
        )
        line_ids = counters["line"] + np.arange(m)
        counters["line"] += m
        lines.add(
            po=po_ids[po_of],
            node=ordering,
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
        s_node = ordering[s_idx]
        s_sku = node_sku[s_node]
        rejected = np.where(
            (rng.random(ns) < behaviour.reject_p[sup[s_idx]]) & (s_recv >= 2),
            np.maximum(np.floor(s_recv * rng.uniform(0.02, 0.3, ns)), 1),
            0,
        ).astype(np.int64)
        fresh = np.where(supplies[s_node], FRESH_LIFE[0], DELIVERED_LIFE[0])
        fresher = np.where(supplies[s_node], FRESH_LIFE[1], DELIVERED_LIFE[1])
        life = np.round(shelf[s_sku] * rng.uniform(fresh, fresher)).astype(np.int64)
        life = np.clip(life, min_remaining[s_sku] + 7, shelf[s_sku])
        quarantine = (s_arrival >= d - 7) & (rng.random(ns) < 0.5)
        s_ids = counters["ship"] + np.arange(ns)
        counters["ship"] += ns
        ships.add(
            line=s_line,
            node=s_node,
            arrival=s_arrival,
            received=s_recv,
            accepted=s_recv - rejected,
            expiry=s_arrival + life,
            quarantine=quarantine,
        )
        arrival_week = s_arrival // 7
        arrived = s_arrival <= d - 1
        for week in np.unique(arrival_week[arrived]).tolist():
            sel = arrived & (arrival_week == week)
            buckets.setdefault(week, []).append(
                {
                    "ship": s_ids[sel],
                    "node": s_node[sel],
                    "arrival": s_arrival[sel],
                    "accepted": (s_recv - rejected)[sel],
                    "expiry": (s_arrival + life)[sel],
                    "quarantine": quarantine[sel],
                    "release": s_release[sel],
                }
            )

    def ship(child: np.ndarray, want: np.ndarray, day0: int) -> None:
        """Fill transfer requests from the parents' lots, first expiry first among the lots
        that may be sent (released, and expiring no earlier than the arrival plus the SKU's
        minimum remaining shelf life). A parent short of stock serves its children in a random
        order; what it cannot send is not back-ordered (the child asks again)."""
        order = rng.permutation(len(child))
        child, want = child[order], want[order]
        parent = node_parent[child]
        ship_day = np.minimum(day0 + delivery_day[node_site[child]], d - 1)
        arrival = ship_day + transit[node_site[child]]
        cutoff = arrival + min_remaining[node_sku[child]]
        rank = _rank_within(parent)
        p_req, p_lot, p_qty, p_expiry = [], [], [], []
        for r in range(int(rank.max()) + 1 if len(rank) else 0):
            sel = np.flatnonzero(rank == r)
            rows = parent[sel]
            ok = (slots.lot[rows] >= 0) & ~slots.quarantine[rows]
            ok &= slots.expiry[rows] >= cutoff[sel, None]
            fefo = np.argsort(np.where(ok, slots.expiry[rows], FAR_FUTURE), axis=1)
            avail = np.take_along_axis(np.where(ok, slots.qty[rows], 0), fefo, axis=1)
            before = np.cumsum(avail, axis=1) - avail
            take = np.clip(want[sel, None] - before, 0, avail)
            r_idx = np.broadcast_to(rows[:, None], fefo.shape)
            slots.qty[r_idx, fefo] -= take
            taken = take > 0
            p_req.append(np.broadcast_to(sel[:, None], fefo.shape)[taken])
            p_lot.append(slots.lot[r_idx, fefo][taken])
            p_qty.append(take[taken])
            p_expiry.append(slots.expiry[r_idx, fefo][taken])
        if not p_req:
            return
        req, lot = np.concatenate(p_req), np.concatenate(p_lot)
        qty, expiry = np.concatenate(p_qty), np.concatenate(p_expiry)
        sent = np.bincount(req, weights=qty, minlength=len(child)).astype(np.int64)
        served = np.flatnonzero(sent > 0)
        if not len(served):
            return
        order_of = np.full(len(child), -1)
        order_of[served] = counters["order"] + np.arange(len(served))
        counters["order"] += len(served)
        orders.add(
            source=parent[served],
            destination=child[served],
            qty=sent[served],
            ship_day=ship_day[served],
            arrival=arrival[served],
        )
        np.add.at(in_transit, child[served], sent[served])
        by_order = np.lexsort((expiry, order_of[req]))  # picks per order, first expiry first
        req, lot, qty, expiry = req[by_order], lot[by_order], qty[by_order], expiry[by_order]
        pick_ids = counters["pick"] + np.arange(len(req))
        counters["pick"] += len(req)
        picks.add(order=order_of[req], lot=lot, qty=qty)
        pick_destination.extend(np.full(len(req), -1))
        moves.add(
            kind=np.full(len(req), KIND_TRANSFER_OUT),
            lot=lot,
            qty=-qty,
            day=ship_day[req],
            order=order_of[req],
        )
        p_arrival = arrival[req]
        arrival_week = p_arrival // 7
        arrived = p_arrival <= d - 1
        for week in np.unique(arrival_week[arrived]).tolist():
            sel = arrived & (arrival_week == week)
            arrivals.setdefault(week, []).append(
                {
                    "pick": pick_ids[sel],
                    "order": order_of[req][sel],
                    "node": child[req][sel],
                    "origin": lot_origin.values[lot[sel]],
                    "qty": qty[sel],
                    "expiry": expiry[sel],
                    "arrival": p_arrival[sel],
                }
            )

    for w in range(weeks):
        day0 = 7 * w
        issue_day = min(day0 + 6, d - 1)
        next_issue_day = min(day0 + 13, d - 1)
        # Review from the demand sites up: a level's transfer requests are filled by the
        # level above before that level reviews its own position.
        usable = slots.usable(issue_day)
        requests = np.zeros(n, np.int64)
        for level in range(len(by_depth) - 1, -1, -1):
            nodes = by_depth[level]
            if level + 1 < len(by_depth):
                asking = by_depth[level + 1][requests[by_depth[level + 1]] > 0]
                if len(asking):
                    ship(asking, requests[asking], day0)
            requests[nodes] = review(nodes, w, day0, usable)

        # This week's deliveries (purchase orders and transfers, including those shipped
        # today) are in stock for this week's issues and for shipping on from next week.
        receive(buckets.pop(w, []))
        arrive(arrivals.pop(w, []))
        usable = slots.usable(issue_day)

        # Issue this week's demand first-expired-first-out from released, unexpired lots.
        need = weekly_demand[net.demand_row[demand_nodes], w]
        rows = demand_nodes[need > 0]
        need = need[need > 0]
        if len(rows):
            ok = usable[rows]
            order = np.argsort(np.where(ok, slots.expiry[rows], FAR_FUTURE), axis=1)
            avail = np.take_along_axis(np.where(ok, slots.qty[rows], 0), order, axis=1)
            before = np.cumsum(avail, axis=1) - avail
            take = np.clip(need[:, None] - before, 0, avail)
            r_idx = np.broadcast_to(rows[:, None], order.shape)
            slots.qty[r_idx, order] -= take
            taken = take > 0
            lot_ids = slots.lot[r_idx, order][taken]
            moves.add(
                kind=np.full(len(lot_ids), KIND_ISSUE),
                lot=lot_ids,
                qty=-take[taken],
                day=np.full(len(lot_ids), issue_day),
                order=np.full(len(lot_ids), -1),
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
                order=np.full(int(expiring.sum()), -1),
            )
            slots.qty[expiring] = 0
        slots.release_empty()

    # A few current lots on quality hold (as after a temperature excursion).
    held = (slots.lot >= 0) & (slots.qty > 0) & ~slots.quarantine
    held &= rng.random(held.shape) < 0.01
    lot_quarantine = lots.get("quarantine", bool)
    lot_quarantine[slots.lot[held]] = True

    return {
        "lots": lots,
        "lot_origin": lot_origin.values.copy(),
        "lot_quarantine": lot_quarantine,
        "moves": moves,
        "lines": lines,
        "pos": pos,
        "ships": ships,
        "orders": orders,
        "picks": picks,
        "pick_destination": pick_destination.values.copy(),
    }


def _assemble_orders(config: DemoConfig, sim: dict[str, Any], net: _Network) -> dict[str, Any]:
    """Purchase-order numbers and statuses, line received quantities and confirmed dates,
    receipts (one per delivery that has arrived, each with the lot it created)."""
    rng = _rng(config.seed, STREAM_STOCK + 100)
    d = config.days
    lines, pos, ships, lots = sim["lines"], sim["pos"], sim["ships"], sim["lots"]
    line_po, line_sku = lines.get("po"), net.sku[lines.get("node")]
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


def _sites_and_demand(config: DemoConfig) -> tuple[dict, dict, dict]:
    config.validate()
    sites = _generate_sites(config)
    skus = _generate_skus(config)
    return sites, skus, _generate_demand(config, skus, sites)


def demand_matrix(config: DemoConfig) -> np.ndarray:
    """The demo demand alone, (SKUs x days) units per day: each SKU's demand summed over its
    demand sites, from the same SKU-site series `generate` makes for the same config, without
    the stock simulation: for engine benchmarks (one series per SKU, as `--series` says)."""
    _, _, demand = _sites_and_demand(config)
    first_rows = np.searchsorted(demand["demand_sku"], np.arange(config.skus))
    return np.add.reduceat(demand["demand"], first_rows, axis=0)


def _months(config: DemoConfig, days: np.ndarray) -> list[str]:
    """The year and month (yymm) of each day, given as offsets from the start."""
    unique, index = np.unique(days, return_inverse=True)
    start = config.start
    labels = np.array(
        [f"{start + timedelta(days=day):%y%m}" for day in unique.tolist()], dtype=object
    )
    return labels[index].tolist()


def generate(config: DemoConfig) -> DemoData:
    """Build the whole data set in memory (numpy), without touching the database."""
    sites, skus, demand = _sites_and_demand(config)
    suppliers = _generate_suppliers(config, skus)
    sites.pop("hospitals")
    net = _network(sites, demand)
    sim = _simulate(
        config=config,
        sites=sites,
        skus=skus,
        suppliers=suppliers,
        demand=demand["demand"],
        net=net,
    )
    orders = _assemble_orders(config, sim, net)

    lots, moves = sim["lots"], sim["moves"]
    lot_node = lots.get("node")
    origin = sim["lot_origin"]
    move_lot, move_qty = moves.get("lot"), moves.get("qty")
    lot_qty = np.bincount(move_lot, weights=move_qty, minlength=len(lot_node)).astype(np.int64)
    written_off = np.zeros(len(lot_node), bool)
    written_off[move_lot[moves.get("kind") == KIND_WRITE_OFF]] = True
    status = np.where(
        written_off,
        LotStatus.EXPIRED,
        np.where(sim["lot_quarantine"], LotStatus.QUARANTINE, LotStatus.RELEASED),
    )
    received = lots.get("received")
    # A lot keeps the number of the purchase-order or opening lot its units came from.
    numbers = np.array(
        [f"B{month}-{i + 1:06d}" for i, month in enumerate(_months(config, received))],
        dtype=object,
    )
    lot_numbers = numbers[origin].tolist()
    # Movements ordered by lot, then time (day, then the hour of the kind).
    move_day, move_kind = moves.get("day"), moves.get("kind", np.int8)
    hours = np.asarray(MOVEMENT_HOURS)[move_kind]
    order = np.lexsort((hours, move_day, move_lot))

    transfers, picks = sim["orders"], sim["picks"]
    to_arrival = transfers.get("arrival")
    to_ship_day = transfers.get("ship_day")
    to_source, to_destination = transfers.get("source"), transfers.get("destination")
    to_numbers = [
        f"TO-20{month[:2]}-{i + 1:06d}" for i, month in enumerate(_months(config, to_ship_day))
    ]
    suppliers.pop("behaviour")
    suppliers.pop("item_quoted")
    return DemoData(
        config=config,
        **sites,
        **skus,
        **suppliers,
        sku_direct=demand["sku_direct"],
        sku_abc=demand["sku_abc"],
        demand=demand["demand"],
        demand_sku=demand["demand_sku"],
        demand_site=demand["demand_site"],
        stock_sku=net.sku,
        stock_site=net.site,
        stock_parent=net.parent,
        **{k: v for k, v in orders.items() if k != "lot_receipt"},
        lot_sku=net.sku[lot_node],
        lot_site=net.site[lot_node],
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
        move_order=moves.get("order")[order],
        to_number=to_numbers,
        to_sku=net.sku[to_source],
        to_source=net.site[to_source],
        to_destination=net.site[to_destination],
        to_qty=transfers.get("qty"),
        to_ship_day=to_ship_day,
        to_arrival_day=to_arrival,
        to_received=to_arrival <= config.days - 1,
        pick_order=picks.get("order"),
        pick_lot=picks.get("lot"),
        pick_qty=picks.get("qty"),
        pick_destination_lot=sim["pick_destination"],
    )


# ---- the figures of the generated history ------------------------------------------------


@dataclass(frozen=True)
class NetworkFigures:
    """What the history's replenishment achieved over its last whole weeks up to a year
    (`days`), from the generated demand and ledger: the "before" of any improvement.

    - fill_rate: units issued from stock / units asked, pooled over every demand SKU-site.
      Demand is issued in weekly buckets, so unmet demand is a week's shortfall.
    - turnover: annual cost of goods issued / average inventory value, network-wide (lots at
      every site plus units in transit between sites, valued at unit cost, daily).
    - expired_share: value written off at expiry / cost of goods issued.
    """

    days: int
    units_asked: int
    units_served: int
    cost_of_goods: float  # over `days`, in the SKUs' currency
    average_inventory: float
    expired_value: float  # over `days`
    demand_sku_sites: int
    stocking_sku_sites: int
    upstream_sku_sites: int

    @property
    def fill_rate(self) -> float:
        return self.units_served / self.units_asked if self.units_asked else 1.0

    @property
    def turnover(self) -> float:
        annual = self.cost_of_goods * 365.0 / self.days
        return annual / self.average_inventory if self.average_inventory else 0.0

    @property
    def expired_share(self) -> float:
        return self.expired_value / self.cost_of_goods if self.cost_of_goods else 0.0

    def lines(self) -> list[str]:
        return [
            f"SKU-sites: {self.demand_sku_sites:,} with demand, {self.upstream_sku_sites:,} "
            f"stocked upstream ({self.stocking_sku_sites:,} stocking in all)",
            f"Last {self.days} days: fill rate {self.fill_rate:.1%} (pooled over the demand "
            f"SKU-sites), inventory turnover {self.turnover:.1f} a year, expired "
            f"{self.expired_share:.1%} of the cost of goods issued",
        ]


def network_figures(data: DemoData) -> NetworkFigures:
    """Fill rate, turnover and expiry of the generated history (see NetworkFigures)."""
    d = data.config.days
    start = 7 * math.ceil(max(d - 365, 0) / 7)  # the first whole week of the last year
    cost = data.sku_cost
    lot_cost = cost[data.lot_sku][data.move_lot]
    in_window = data.move_day >= start
    issues = (data.move_kind == KIND_ISSUE) & in_window
    write_offs = (data.move_kind == KIND_WRITE_OFF) & in_window
    # Daily inventory value: the ledger's running value plus what is in transit.
    first = int(min(data.move_day.min(initial=0), 0))
    span = d - first + 1
    change = np.bincount(data.move_day - first, weights=data.move_qty * lot_cost, minlength=span)
    transit_value = data.pick_qty * cost[data.lot_sku[data.pick_lot]]
    leaves = data.to_ship_day[data.pick_order] - first
    lands = np.minimum(data.to_arrival_day[data.pick_order], d) - first
    change += np.bincount(leaves, weights=transit_value, minlength=span)
    change -= np.bincount(lands, weights=transit_value, minlength=span)
    value = np.cumsum(change)[: d - first]  # end of each day, from `first` to yesterday
    demand_keys = set(zip(data.demand_sku.tolist(), data.demand_site.tolist(), strict=True))
    upstream = sum(
        1
        for key in zip(data.stock_sku.tolist(), data.stock_site.tolist(), strict=True)
        if key not in demand_keys
    )
    return NetworkFigures(
        days=d - start,
        units_asked=int(data.demand[:, start:].sum()),
        units_served=int(-data.move_qty[issues].sum()),
        cost_of_goods=float(-(data.move_qty[issues] * lot_cost[issues]).sum()),
        average_inventory=float(value[start - first :].mean()),
        expired_value=float(-(data.move_qty[write_offs] * lot_cost[write_offs]).sum()),
        demand_sku_sites=len(data.demand_sku),
        stocking_sku_sites=len(data.stock_sku),
        upstream_sku_sites=upstream,
    )


# ---- loading -------------------------------------------------------------------------------

SUPPLIER_MODEL_NAMES = ("Supplier", "SupplierItem", "PurchaseOrder", "PurchaseOrderLine", "Receipt")
PG_EPOCH = date(2000, 1, 1)  # PostgreSQL's binary date format counts days from here
KIND_NAMES = np.array(
    [
        MovementKind.RECEIPT.value,
        MovementKind.ISSUE.value,
        MovementKind.WRITE_OFF.value,
        MovementKind.TRANSFER_OUT.value,
        MovementKind.TRANSFER_IN.value,
    ],
    dtype=object,
)
TRANSFER_REASON = "Replenishment from the site that supplies it"


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
        TransferOrder,
        TransferOrderPick,
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
    figures: NetworkFigures


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
            data.to_arrival_day,
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
    loader.cursor.execute(
        f"UPDATE {site_table} SET replenished_from_id = NULL, replenishment = %s",  # noqa: S608
        [ReplenishmentSource.SUPPLIER.value],  # a site replenished from its parent needs one
    )
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
    n_orders, n_picks = len(data.to_number), len(data.pick_order)
    site0 = loader.reserve(Site, n_sites)
    sku0 = loader.reserve(Sku, n_skus)
    sup0 = loader.reserve(s["Supplier"], n_sup)
    item0 = loader.reserve(s["SupplierItem"], n_items)
    po0 = loader.reserve(s["PurchaseOrder"], n_po)
    lot0 = loader.reserve(Lot, n_lots)
    order0 = loader.reserve(TransferOrder, n_orders)
    pick0 = loader.reserve(TransferOrderPick, n_picks)
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
            "replenished_from_id", "transit_days", "replenishment", "active",
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
            data.site_replenishment,
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
            "direct_delivery", "active", "created_at", "updated_at",
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
            data.sku_direct.tolist(),
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
    codes = np.asarray(data.site_code, dtype=object)
    received = data.to_received
    loader.write(
        TransferOrder,
        [
            "id", "number", "sku_id", "source_id", "destination_id", "quantity", "status",
            "reason", "created_at", "picked_at", "shipped_at", "received_at",
        ],
        zip(
            range(order0, order0 + n_orders),
            data.to_number,
            (sku0 + data.to_sku).tolist(),
            (site0 + data.to_source).tolist(),
            (site0 + data.to_destination).tolist(),
            data.to_qty.tolist(),
            np.where(
                received, TransferOrderStatus.RECEIVED.value, TransferOrderStatus.SHIPPED.value
            ).tolist(),
            [TRANSFER_REASON] * n_orders,
            loader.stamps(data.to_ship_day, 7),
            loader.stamps(data.to_ship_day, 8),
            loader.stamps(data.to_ship_day, MOVEMENT_HOURS[KIND_TRANSFER_OUT]),
            [
                stamp if arrived else None
                for stamp, arrived in zip(
                    loader.stamps(data.to_arrival_day, MOVEMENT_HOURS[KIND_TRANSFER_IN]),
                    received.tolist(),
                    strict=True,
                )
            ],
            strict=True,
        ),
    )  # fmt: skip
    done(TransferOrder, n_orders)
    destination_lot = data.pick_destination_lot
    loader.write(
        TransferOrderPick,
        ["id", "order_id", "source_lot_id", "quantity", "destination_lot_id"],
        zip(
            range(pick0, pick0 + n_picks),
            (order0 + data.pick_order).tolist(),
            (lot0 + data.pick_lot).tolist(),
            data.pick_qty.tolist(),
            [None if lot < 0 else lot0 + lot for lot in destination_lot.tolist()],
            strict=True,
        ),
    )
    done(TransferOrderPick, n_picks)
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
    # Transfers as inventory.services.transfers records them: the order number, and the
    # site the units went to or came from.
    order_numbers = np.asarray(data.to_number, dtype=object)
    outs = np.flatnonzero(kind == KIND_TRANSFER_OUT)
    reference[outs] = order_numbers[data.move_order[outs]]
    reason[outs] = "to " + codes[data.to_destination[data.move_order[outs]]]
    ins = np.flatnonzero(kind == KIND_TRANSFER_IN)
    reference[ins] = order_numbers[data.move_order[ins]]
    reason[ins] = "from " + codes[data.to_source[data.move_order[ins]]]
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
    loader.write_demand(data, sku0 + data.demand_sku, site0 + data.demand_site, demand0)
    done(DailyDemand, n_demand)
    return counts, site0, sku0


def _derived_tables(
    data: DemoData,
    *,
    on_order: dict[tuple[int, int], int],
    site0: int,
    sku0: int,
    say: Callable[[str], None],
    timings: dict[str, float],
) -> int:
    """Stock positions (one per stocking SKU-site) and their ABC-XYZ classes. Returns the
    number of positions."""
    today = data.config.today
    clock = time.perf_counter()
    say("Refreshing stock positions ...")
    positions = services.stock_positions_refresh(today=today, on_order=on_order)
    positions += _position_rows_for_stocking_sites(data, site0=site0, sku0=sku0)
    timings["stock positions"] = time.perf_counter() - clock
    clock = time.perf_counter()
    say("Classifying ABC-XYZ ...")
    services.abc_xyz_classify(today=today)
    timings["ABC-XYZ classification"] = time.perf_counter() - clock
    return positions


def _position_rows_for_stocking_sites(data: DemoData, *, site0: int, sku0: int) -> int:
    """A stock position for every SKU-site that holds stock of the SKU in the network, even
    one that is empty today: an upstream site's row tells the plan that the site stocks the
    SKU for the sites below it. Returns the number of rows added."""
    stocking = {
        (sku0 + sku, site0 + site)
        for sku, site in zip(data.stock_sku.tolist(), data.stock_site.tolist(), strict=True)
    }
    missing = stocking - set(StockPosition.objects.values_list("sku_id", "site_id"))
    StockPosition.objects.bulk_create(
        [StockPosition(sku_id=sku, site_id=site) for sku, site in sorted(missing)],
        batch_size=2000,
    )
    services.positions_recompute(keys=missing, today=data.config.today)
    return len(missing)


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
    figures = network_figures(data)
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
        counts[StockPosition._meta.label] = _derived_tables(
            data, on_order=on_order, site0=site0, sku0=sku0, say=say, timings=timings
        )
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
        figures=figures,
    )
