from celery import shared_task

from inventory.services import stock as services


@shared_task(name="inventory.classify_abc_xyz")
def classify_abc_xyz(
    a_share: float | None = None,
    b_share: float | None = None,
    x_below: float | None = None,
    y_below: float | None = None,
) -> int:
    return services.abc_xyz_classify(
        a_share=a_share, b_share=b_share, x_below=x_below, y_below=y_below
    )


@shared_task(name="inventory.write_off_expired_lots")
def write_off_expired_lots() -> int:
    return services.lots_write_off_expired(actor=None).lots
