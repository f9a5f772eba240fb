"""Signals the accounts app sends for apps to its right (which it may not import).

`account_locked_out` — after too many failed sign-ins for a username from one address; sent
once the SecurityEvent is committed, with `event` (the SecurityEvent). The alerts app raises a
"security" alert for administrators on it.
"""

from django.dispatch import Signal

account_locked_out = Signal()
