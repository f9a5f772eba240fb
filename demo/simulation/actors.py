"""The people of the simulated world: two planners, a quality user, a warehouse user and one
portal user per supplier. They are ordinary users made through accounts.services.user_create
and linked to their supplier through suppliers.services.supplier_users, with one known
password, so every approval and lot decision in the simulation is signed like a real one.

Demo and benchmark worlds only: the command and the task refuse to run unless DEBUG is on.
"""

from dataclasses import dataclass, field

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from suppliers.models import Supplier
from suppliers.services.supplier_users import supplier_user_link

SIMULATION_PASSWORD = "simulated-world-signs-7Q"  # noqa: S105 - documented demo logins
PLANNER, SECOND_PLANNER, QUALITY, WAREHOUSE = (
    "sim-planner",
    "sim-planner-2",
    "sim-quality",
    "sim-warehouse",
)
PEOPLE = {
    PLANNER: ("Pat Simulated Planner", Role.PLANNER),
    SECOND_PLANNER: ("Sasha Simulated Planner", Role.PLANNER),
    QUALITY: ("Quinn Simulated Quality", Role.QUALITY),
    WAREHOUSE: ("Wim Simulated Warehouse", Role.WAREHOUSE),
}
REASON = "world simulation set-up"


@dataclass
class Actors:
    planner: User
    second_planner: User
    quality: User
    warehouse: User
    suppliers: dict[int, User] = field(default_factory=dict)  # supplier id -> portal user

    password: str = SIMULATION_PASSWORD


def _user(username: str, full_name: str, role: Role) -> User:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(
        actor=None,
        username=username,
        full_name=full_name,
        email=f"{username}@simulation.invalid",
        password=SIMULATION_PASSWORD,
        roles={role},
        reason=REASON,
    )


def supplier_username(supplier_code: str) -> str:
    return f"sim-supplier-{supplier_code.lower()}"


def actors_ensure() -> Actors:
    """The simulation's users, made on first use (running again makes nothing new)."""
    people = {name: _user(name, *PEOPLE[name]) for name in PEOPLE}
    actors = Actors(
        planner=people[PLANNER],
        second_planner=people[SECOND_PLANNER],
        quality=people[QUALITY],
        warehouse=people[WAREHOUSE],
    )
    for supplier in Supplier.objects.order_by("code"):
        user = _user(
            supplier_username(supplier.code), f"{supplier.name} (simulated)", Role.SUPPLIER
        )
        supplier_user_link(actor=None, user=user, supplier=supplier, reason=REASON)
        actors.suppliers[supplier.pk] = user
    return actors
