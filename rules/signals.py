"""Events of the rules app that higher layers listen to (they connect; rules never imports them)."""

from django.dispatch import Signal

# Sent after the commit that published a version, with ``version_id`` and ``rule_set_id``.
rule_version_published = Signal()
