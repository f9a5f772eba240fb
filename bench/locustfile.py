"""Locust scenario of bench/load_test.py: planners, supplier users and API clients, read only.

Run by bench/load_test.py from the bench virtualenv (.venv-bench, requirements-bench.txt), which
sets the accounts through the environment (it creates them first):

    PHARMA_LOAD_PLANNERS=bench-load-planner-:500   usernames <prefix>001 .. <prefix>500
    PHARMA_LOAD_SUPPLIERS=bench-load-sup-001,...   supplier portal users (comma-separated)
    PHARMA_LOAD_PASSWORD=...                       password of all of them
    PHARMA_LOAD_API_TOKEN=...                      DRF token of the API client user
    PHARMA_LOAD_REQUEST_LOG=/path/requests.csv     every request, written when locust quits

Each simulated session waits 20-40 s between actions (think time). Planners and supplier users
sign in once through the login form (GET for the CSRF token, then POST); every full page a
planner loads is followed by the alert badge fragment, as the page's `hx-trigger="load"` does
in a browser (the badge's 15 s polling while a page stays open is not simulated). API clients
send the token on every call. Nothing is approved, edited or acknowledged: the only writes are
the sign-ins themselves (sessions, the access log) and the sessions' idle clocks.

Request names are "<kind>: <page>": kind is `page`, `fragment` (htmx, HX-Request: true), `api`
or `login`, which is how bench/load_test.py groups them and applies the goals.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PASSWORD = os.environ.get("PHARMA_LOAD_PASSWORD", "")
API_TOKEN = os.environ.get("PHARMA_LOAD_API_TOKEN", "")
REQUEST_LOG = os.environ.get("PHARMA_LOAD_REQUEST_LOG", "")
THINK_TIME = between(20, 40)

_prefix, _, _count = os.environ.get("PHARMA_LOAD_PLANNERS", "bench-load-planner-:1").rpartition(":")
PLANNERS = itertools.cycle(f"{_prefix}{i:03d}" for i in range(1, int(_count) + 1))
SUPPLIERS = itertools.cycle(
    [name for name in os.environ.get("PHARMA_LOAD_SUPPLIERS", "").split(",") if name]
    or ["bench-load-sup-001"]
)

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ROW_LINK = re.compile(r'/optimization/plan/orders/(\d+)/\?show=detail"')
PORTAL_ORDER_LINK = re.compile(r'href="/portal/orders/([^/"]+)/"')
HTMX = {"HX-Request": "true"}
STOCK_PAGE_SIZE = 50  # the API's default page size (REST_FRAMEWORK["PAGE_SIZE"])

_requests: list[tuple[float, str, str, float, int, int]] = []


@events.request.add_listener
def _record(
    *,
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: Exception | None = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    _requests.append(
        (start_time or 0.0, request_type, name, response_time, status, int(exception is None))
    )


@events.quitting.add_listener
def _write_log(**_: Any) -> None:
    if not REQUEST_LOG:
        return
    with Path(REQUEST_LOG).open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["start", "method", "name", "ms", "status", "ok"])
        writer.writerows(_requests)


class _WebUser(HttpUser):
    abstract = True
    wait_time = THINK_TIME
    username = ""

    def on_start(self) -> None:
        """Sign in through the login form, as a browser does (CSRF cookie and field)."""
        with self.client.get(
            "/accounts/login/", name="login: GET /accounts/login/", catch_response=True
        ) as response:
            token = CSRF_FIELD.search(response.text or "")
            if response.status_code != 200 or token is None:
                response.failure(f"no login form ({response.status_code})")
                raise StopUser
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login: POST /accounts/login/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "sessionid" not in self.client.cookies:
                response.failure(f"sign-in refused ({response.status_code})")
                raise StopUser

    def page(self, path: str, name: str, marker: str = "") -> str:
        """GET a full page; anything but a 200 (a redirect to the login page too) is an error."""
        with self.client.get(
            path, name=f"page: {name}", allow_redirects=False, catch_response=True
        ) as response:
            return self._check(response, marker)

    def fragment(self, path: str, name: str, marker: str = "") -> str:
        with self.client.get(
            path,
            name=f"fragment: {name}",
            headers=HTMX,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            return self._check(response, marker)

    @staticmethod
    def _check(response: Any, marker: str) -> str:
        text = response.text or ""
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}")
        elif marker and marker not in text:
            response.failure(f"{marker!r} not in the response")
        else:
            response.success()
        return text


class PlannerUser(_WebUser):
    """A planner: the replenishment worklist and its rows, stock, alerts and the dashboard."""

    weight = 14

    def on_start(self) -> None:
        self.username = next(PLANNERS)
        self.rows: list[str] = []
        super().on_start()

    def _with_badge(self, path: str, name: str, marker: str = "") -> str:
        text = self.page(path, name, marker)
        self.fragment("/alerts/badge/", "/alerts/badge/", 'id="alerts-badge"')
        return text

    @task(3)
    def worklist(self) -> None:
        text = self._with_badge("/optimization/plan/", "/optimization/plan/ (worklist)")
        self.rows = ROW_LINK.findall(text) or self.rows

    @task(3)
    def open_row(self) -> None:
        if not self.rows:
            self.worklist()
            return
        pk = random.choice(self.rows)  # noqa: S311 - a load mix, not a secret
        self.fragment(
            f"/optimization/plan/orders/{pk}/?show=detail",
            "/optimization/plan/orders/<pk>/?show=detail (row)",
            f'id="s-{pk}"',
        )

    @task(2)
    def inventory(self) -> None:
        self._with_badge("/inventory/", "/inventory/")

    @task(2)
    def alerts(self) -> None:
        self._with_badge("/alerts/", "/alerts/ (inbox)")

    @task(2)
    def dashboard(self) -> None:
        self._with_badge("/alerts/dashboard/", "/alerts/dashboard/", 'data-testid="kpi-windows"')


class SupplierPortalUser(_WebUser):
    """A supplier's user: the portal's open orders and one order."""

    weight = 3

    def on_start(self) -> None:
        self.username = next(SUPPLIERS)
        self.orders: list[str] = []
        super().on_start()

    @task(2)
    def home(self) -> None:
        text = self.page("/portal/", "/portal/ (open orders)")
        self.orders = PORTAL_ORDER_LINK.findall(text) or self.orders

    @task(3)
    def order(self) -> None:
        if not self.orders:
            self.home()
            if not self.orders:
                return
        number = random.choice(self.orders)  # noqa: S311 - a load mix, not a secret
        self.page(f"/portal/orders/{number}/", "/portal/orders/<number>/", number)


class ApiClientUser(HttpUser):
    """An ERP integration with a token: stock levels page by page, recommendations, scorecards."""

    weight = 3
    wait_time = THINK_TIME

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Token {API_TOKEN}"
        self.client.headers["Accept"] = "application/json"
        self.stock_pages = 1
        self.recommendation_pages = 1

    def _json(self, response: Any) -> Any:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}")
            return None
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            response.failure("not JSON")
            return None
        response.success()
        return body

    @task(3)
    def stock_levels(self) -> None:
        page = random.randint(1, self.stock_pages)  # noqa: S311 - a load mix, not a secret
        with self.client.get(
            f"/api/v1/inventory/stock-levels/?page={page}",
            name="api: GET /api/v1/inventory/stock-levels/?page=N",
            catch_response=True,
        ) as response:
            body = self._json(response)
            if body and body.get("count"):
                self.stock_pages = max(1, -(-body["count"] // STOCK_PAGE_SIZE))

    @task(2)
    def recommendations(self) -> None:
        page = random.randint(1, self.recommendation_pages)  # noqa: S311 - a load mix
        with self.client.post(
            "/api/v1/reorder/recommendations",
            json={"page": page, "page_size": 50},
            name="api: POST /api/v1/reorder/recommendations",
            catch_response=True,
        ) as response:
            body = self._json(response)
            if body and body.get("pages"):
                self.recommendation_pages = body["pages"]

    @task(1)
    def supplier_performance(self) -> None:
        with self.client.get(
            "/api/v1/suppliers/performance",
            name="api: GET /api/v1/suppliers/performance",
            catch_response=True,
        ) as response:
            self._json(response)
