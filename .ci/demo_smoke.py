"""Smoke test of `make demo` as a person would use it: wait for the server, open the login
page, sign in as each demo user and check the navigation of its role. Standard library only.

Usage: python .ci/demo_smoke.py http://127.0.0.1:8765
"""

import http.cookiejar
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

OPERATIONS = {
    "nav-inventorystock_list",
    "nav-forecastingruns",
    "nav-optimizationpolicies",
    "nav-optimizationworklist",
    "nav-supplierspurchase_orders",
    "nav-suppliersperformance",
    "nav-alertsinbox",
    "nav-alertsdashboard",
}
EXPECTED_NAV = {
    "admin": {
        "nav-home",
        "nav-audit_trail",
        "nav-api_docs",
        "nav-adminindex",
        "nav-inventoryimports",
        "nav-warehousetoday",
        "nav-demobusiness_case",
        *OPERATIONS,
    },
    "planner": {"nav-home", "nav-api_docs", "nav-demobusiness_case", *OPERATIONS},
    "quality": {"nav-home", "nav-audit_trail", "nav-api_docs", *OPERATIONS},
    "supplier": {"nav-home", "nav-api_docs", "nav-portalhome"},
    "viewer": {"nav-home", "nav-api_docs", "nav-demobusiness_case", *OPERATIONS},
    "warehouse": {"nav-home", "nav-api_docs", "nav-warehousetoday", *OPERATIONS},
}


def wait_for(url: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
                return response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def sign_in(base: str, username: str, password: str, then: str = "") -> str:
    """Sign in and return the page landed on (or the page at `then`, opened after)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=10).read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the demo server on loopback
        f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
    )
    with opener.open(request, timeout=10) as response:
        page = response.read().decode()
    if then:
        with opener.open(f"{base}{then}", timeout=10) as response:
            page = response.read().decode()
    return page


def main(base: str) -> int:
    login_page = wait_for(f"{base}/accounts/login/", seconds=1200)
    if 'name="username"' not in login_page:
        print("the login page has no username field")
        return 1
    print(f"login page served at {base}/accounts/login/")
    failures = 0
    for role, expected in EXPECTED_NAV.items():
        page = sign_in(base, role, f"pharma-demo-{role}")
        shown = set(re.findall(r'data-testid="(nav-[^"]+)"', page))
        status = "ok" if shown == expected else f"MISMATCH, expected {sorted(expected)}"
        failures += shown != expected
        print(f"  {role:<9} navigation {sorted(shown)} {status}")
    portal = sign_in(base, "supplier", "pharma-demo-supplier", then="/portal/")
    rows = portal.count('data-testid="portal-order-row"')
    waiting = 'data-testid="to-acknowledge">0<' not in portal
    ok = rows > 0 and waiting
    failures += not ok
    print(
        f"  supplier  portal: {rows} open order(s), some to acknowledge: {waiting} "
        + ("ok" if ok else "MISMATCH, expected open orders with some to acknowledge")
    )
    warehouse = sign_in(base, "warehouse", "pharma-demo-warehouse", then="/warehouse/")
    receivable = re.search(r'data-testid="orders-receivable"><strong>([\d,]+)</strong>', warehouse)
    ok = receivable is not None and int(receivable.group(1).replace(",", "")) > 0
    failures += not ok
    print(
        f"  warehouse today: {receivable.group(1) if receivable else 'no'} order(s) to receive "
        + ("ok" if ok else "MISMATCH, expected orders to receive")
    )
    for label, testid in (
        ("shipping notices to receive", "notices-waiting"),
        ("transfer orders in transit", "transfers-to-receive"),
    ):
        found = re.search(rf'data-testid="{testid}"><strong>([\d,]+)</strong>', warehouse)
        ok = found is not None and int(found.group(1).replace(",", "")) > 0
        failures += not ok
        print(
            f"  warehouse {label}: {found.group(1) if found else 'none'} "
            + ("ok" if ok else f"MISMATCH, expected {label} after the simulated days")
        )
    worklist = sign_in(base, "planner2", "pharma-demo-planner2", then="/optimization/plan/")
    waiting = re.search(r'data-testid="count-open">([\d,]+)<', worklist)
    ok = waiting is not None and int(waiting.group(1).replace(",", "")) > 0
    failures += not ok
    print(
        f"  planner2  worklist: {waiting.group(1) if waiting else 'no'} suggestion(s) to decide "
        + ("ok" if ok else "MISMATCH, expected a plan to approve")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].rstrip("/")))
