from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def bootstrap(field: forms.BoundField) -> SafeString:
    """Render a form field's widget with Bootstrap classes and the invalid state."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-describedby"] = f"{field.id_for_label}-errors"
    return field.as_widget(attrs=attrs)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    """Look a key up in a dict from a template: {{ counts|get_item:status }}."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def timeuntil_days(day: object, today: object) -> int:
    """Whole days from `today` to `day` (negative when past)."""
    return (day - today).days  # type: ignore[operator]


@register.filter
def can(user: object, capability: str) -> bool:
    """Whether the user holds a capability of the role matrix: {% if user|can:"move_stock" %}
    (for links and buttons only; the view behind them checks again)."""
    from accounts.roles import Capability, user_can

    return user_can(user, Capability(capability))
