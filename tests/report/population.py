"""A generated population of conversations with known drop-offs, as flow-event rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from bot.report.funnel import FlowRow

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
IDLE = timedelta(minutes=30)
SINCE = NOW - timedelta(days=7)

Path = list[tuple[str, str]]  # (trigger, state reached)

LOG_IN: Path = [
    ("username_given", "login_password"),
    ("login_ok", "choose_modality"),
    ("modality_chosen", "choose_serial"),
]
UPGRADE: Path = [("pick_upgrade", "login_user"), *LOG_IN, ("serial_chosen", "upgrade_terms")]
UPGRADE_LOGGED_IN: Path = [
    ("pick_upgrade", "choose_modality"),
    ("modality_chosen", "choose_serial"),
    ("serial_chosen", "upgrade_terms"),
]
CDA: Path = [("pick_cda", "login_user"), *LOG_IN, ("serial_chosen", "cda_confirm")]
RECOVERY: Path = [("pick_recovery", "recovery_user"), ("recovery_requested", "recovery_done")]


class Population:
    def __init__(self) -> None:
        self.rows: list[FlowRow] = []
        self._chats = count(1)

    def chat(
        self,
        journey: str | None,
        path: Path,
        *,
        product: str | None = None,
        start: datetime = NOW - timedelta(days=1),
        every: timedelta = timedelta(seconds=30),
    ) -> str:
        """One chat walking ``path``; the product is known from the serial step on."""
        chat_id = f"tg:{next(self._chats)}"
        state, at, known = "menu", start, None
        for trigger, reached in path:
            known = known or (product if trigger == "serial_chosen" else None)
            self.rows.append(FlowRow(chat_id, at, journey, known, state, reached, trigger))
            state, at = reached, at + every
        return chat_id

    def times(self, n: int, journey: str | None, path: Path, **options: object) -> None:
        for _ in range(n):
            self.chat(journey, path, **options)  # type: ignore[arg-type]


def seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


def build() -> Population:
    """The population whose figures ``test_funnel`` states by hand."""
    p = Population()
    done = [("upgraded", "upgrade_done")]
    # upgrade COI: 5 complete in 5 steps of 20 s, 30 s, 30 s, 40 s, 60 s each
    for step in (20, 30, 30, 40, 60):
        p.chat("upgrade", [*UPGRADE, *done], product="COI", every=seconds(step))
    p.times(3, "upgrade", [*UPGRADE, ("terms_declined", "menu")], product="COI")
    p.times(2, "upgrade", [*UPGRADE, ("advisor", "handoff")], product="COI")
    p.times(2, "upgrade", [*UPGRADE[:2], ("expire", "menu")])  # gone at the password
    p.times(1, "upgrade", [*UPGRADE[:4], ("cancel", "menu")])  # at choose_serial
    p.chat("upgrade", UPGRADE[:3], start=NOW - timedelta(hours=2))  # silent: inactivity
    p.chat("upgrade", UPGRADE, product="COI", start=NOW - timedelta(minutes=5))  # in progress
    # upgrade NOI, already logged in: 2 complete
    p.times(2, "upgrade", [*UPGRADE_LOGGED_IN, *done], product="NOI")
    # a locked account: "other"
    p.chat("upgrade", [*UPGRADE[:2], ("login_locked", "menu")])
    # CDA PROD: 4 complete, 1 handed to an advisor at the serial step (stuck)
    p.times(4, "cda", [*CDA, ("cda_sent", "cda_done")], product="PROD")
    p.times(1, "cda", [*CDA[:4], ("advisor", "handoff")])
    # recovery: 3 straight, 1 back to the menu
    p.times(3, "recovery", RECOVERY)
    p.times(1, "recovery", [RECOVERY[0], ("back", "menu")])
    # from the password step of an upgrade to a recovery: upgrade "other", recovery completes
    p.chat("upgrade", [*UPGRADE[:2], ("forgot_password", "recovery_user"), RECOVERY[1]])
    _noise(p)
    return p


def _noise(p: Population) -> None:
    """Events outside any instance, and an instance older than the period."""
    p.chat(None, [("advisor", "handoff"), ("leave_handoff", "menu")])
    p.chat(
        "upgrade",
        [*UPGRADE_LOGGED_IN, ("upgraded", "upgrade_done"), ("start", "menu")],
        product="SAE",
        start=NOW - timedelta(days=30),
    )
    p.chat(
        "upgrade",
        [*UPGRADE_LOGGED_IN, ("upgraded", "upgrade_done"), ("start", "menu")],
        product="CAJA",
    )
