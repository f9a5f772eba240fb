"""How a service's refusal shows on the form that asked for the action.

Services check the rules and raise a DomainError with a message and, where they can say which
input is wrong, messages per field (common.errors). Pages show both on the form they posted,
the same way in every app, through RefusalFormMixin.add_refusal.
"""

from typing import Any, ClassVar

from common.errors import DomainError, NotFound


class RefusalFormMixin:
    """Show a service's refusal on the form: each field it names under that field when the form
    has it, above the form when it does not, and the refusal's message above the form when it
    names no field at all.

    Two declarations adapt it to a form, instead of a copy of the method:
    `refusal_in_own_words` and `refusal_fields` (below). A NotFound is no form error: it is
    raised on, and the page answers 404 (common.views.NotFoundMixin).
    """

    #: When the refusal names exactly one of the form's fields, show the refusal's own message
    #: under it ("Write a comment first.") instead of the field's short one ("Required.").
    refusal_in_own_words: ClassVar[bool] = False
    #: Refusals of these kinds go under the given field, in their own words, whatever fields
    #: they name: a refused signature under the password, for example.
    refusal_fields: ClassVar[dict[type[DomainError], str]] = {}

    def add_refusal(self, refused: DomainError) -> None:
        form: Any = self  # mixed into a Django form, whose fields and add_error these are
        if isinstance(refused, NotFound):
            raise refused
        for kind, field in self.refusal_fields.items():
            if isinstance(refused, kind):
                form.add_error(field, refused.message)
                return
        named = [name for name in refused.fields if name in form.fields]
        in_own_words = self.refusal_in_own_words and len(named) == 1
        for name, messages in refused.fields.items():
            if name in form.fields:
                form.add_error(name, [refused.message] if in_own_words else messages)
            else:
                self.add_refusal_elsewhere(name, messages)
        if not refused.fields:
            form.add_error(None, refused.message)

    def add_refusal_elsewhere(self, name: str, messages: list[str]) -> None:
        """Messages for a name the form has no field for: above the form, so none is lost. A
        form that shows such names in a place of its own (a notice's line rows) overrides this."""
        form: Any = self
        form.add_error(None, messages)
