from types import SimpleNamespace

from accounts.audit import audit_context, current_audit_context, fill_log_entry_from_context


def person(name: str) -> SimpleNamespace:
    return SimpleNamespace(username=name, email=f"{name}@example.test", is_authenticated=True)


def blank_entry() -> SimpleNamespace:
    return SimpleNamespace(
        pk=None, actor_id=None, actor=None, actor_email=None, reason="", source="", remote_addr=None
    )


def test_no_context_means_no_actor_and_shell_source() -> None:
    entry = blank_entry()
    fill_log_entry_from_context(sender=object, instance=entry)
    assert entry.actor is None
    assert entry.source == "shell"


def test_inner_context_keeps_outer_values_it_does_not_override() -> None:
    alice = person("alice")
    with audit_context(actor=alice, source="web"), audit_context(reason="correct typo"):
        context = current_audit_context()
    assert (context.resolve_actor(), context.source, context.reason) == (
        alice,
        "web",
        "correct typo",
    )


def test_context_is_restored_when_the_block_ends() -> None:
    with audit_context(reason="inside"):
        pass
    assert current_audit_context().reason == ""


def test_actor_given_as_callable_is_read_when_the_entry_is_saved() -> None:
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=False))
    with audit_context(actor=lambda: request.user, source="api"):
        request.user = person("token-user")  # authentication happens after the middleware
        entry = blank_entry()
        fill_log_entry_from_context(sender=object, instance=entry)
    assert entry.actor.username == "token-user"
    assert entry.actor_email == "token-user@example.test"


def test_anonymous_actor_is_recorded_as_no_actor() -> None:
    with audit_context(actor=SimpleNamespace(is_authenticated=False)):
        entry = blank_entry()
        fill_log_entry_from_context(sender=object, instance=entry)
    assert entry.actor is None


def test_existing_entries_are_never_restamped() -> None:
    entry = blank_entry()
    entry.pk = 7
    with audit_context(actor=person("mallory"), reason="rewrite history"):
        fill_log_entry_from_context(sender=object, instance=entry)
    assert (entry.actor, entry.reason) == (None, "")
