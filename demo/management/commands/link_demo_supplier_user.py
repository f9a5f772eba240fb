from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from django.db.models import Count, Q

from accounts.commands import AuditedCommand
from accounts.models import User
from suppliers.models import PurchaseOrder, PurchaseOrderStatus, SupplierUser
from suppliers.services.portal import purchase_order_send

DEMO_SUPPLIER_USERNAME = "supplier"
DEMO_PLANNER_USERNAME = "planner"


class Command(AuditedCommand):
    help = (
        "Link the demo supplier user to the supplier with the most sent or acknowledged orders, "
        "and make sure a few of its orders wait to be acknowledged (demo only: refused unless "
        "DEBUG is on). Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--to-acknowledge",
            type=int,
            default=3,
            help="How many orders should wait for the supplier's acknowledgement at least.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo supplier user is only linked for the demo (DEBUG=1).")
        try:
            user = User.objects.get(username=DEMO_SUPPLIER_USERNAME)
        except User.DoesNotExist as missing:
            raise CommandError(
                f"No user '{DEMO_SUPPLIER_USERNAME}': run create_demo_users first."
            ) from missing
        with transaction.atomic():
            link = SupplierUser.objects.select_related("supplier").filter(user=user).first()
            if link is None:
                supplier_id = self._busiest_supplier_id()
                if supplier_id is None:
                    raise CommandError("No sent orders yet: run generate_demo_data first.")
                link = SupplierUser.objects.create(user=user, supplier_id=supplier_id)
        supplier = link.supplier
        sent = self._send_until(supplier.pk, options["to_acknowledge"])
        waiting = self._waiting(supplier.pk).count()
        self.stdout.write(
            f"Demo supplier user '{user.username}' acts for {supplier.code} {supplier.name}: "
            f"{waiting} order(s) to acknowledge"
            + (f" ({sent} just sent by the demo planner)." if sent else ".")
        )

    @staticmethod
    def _busiest_supplier_id() -> int | None:
        """The supplier with the most orders waiting for its acknowledgement, then the most
        open orders: the one whose portal has the most to do."""
        row = (
            PurchaseOrder.objects.filter(
                status__in=[PurchaseOrderStatus.SENT, PurchaseOrderStatus.ACKNOWLEDGED]
            )
            .values("supplier_id")
            .annotate(
                waiting=Count(
                    "pk",
                    filter=Q(status=PurchaseOrderStatus.SENT, acknowledged_at__isnull=True),
                ),
                orders=Count("pk"),
            )
            .order_by("-waiting", "-orders", "supplier_id")
            .first()
        )
        return row["supplier_id"] if row else None

    @staticmethod
    def _waiting(supplier_id: int) -> Any:
        return PurchaseOrder.objects.filter(
            supplier_id=supplier_id, status=PurchaseOrderStatus.SENT, acknowledged_at__isnull=True
        )

    def _send_until(self, supplier_id: int, wanted: int) -> int:
        """Send approved orders of the supplier, oldest first, as the demo planner would, until
        `wanted` orders wait for acknowledgement (or none is left to send)."""
        missing = wanted - self._waiting(supplier_id).count()
        if missing <= 0:
            return 0
        planner = User.objects.filter(username=DEMO_PLANNER_USERNAME, is_active=True).first()
        if planner is None:
            self.stderr.write("No demo planner to send orders with: nothing sent.")
            return 0
        approved = PurchaseOrder.objects.filter(
            supplier_id=supplier_id, status=PurchaseOrderStatus.APPROVED
        ).order_by("created_at", "pk")[:missing]
        for order in approved:
            purchase_order_send(actor=planner, order_id=order.pk)
        return len(approved)
