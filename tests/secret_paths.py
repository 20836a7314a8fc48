"""Reaching every state of the machine, and looking for a secret everywhere the bot writes.

``PATHS`` says how a customer gets to each state of ``bot.fsm.State`` by ordinary turns (a test
checks that it names them all, so a new state needs a path); ``everything_stored`` reads every
column of every table of ``bot.storage.schema`` as text: conversation state, transcript,
tickets, flow events, inbox, dead letters, outbox, deliveries, timers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select

from bot.bootstrap import App
from bot.fsm import State
from bot.storage import schema
from bot.storage.sealed import open_stored

PASSWORDS = {"mmendez": "Aspel-Demo-2026", "jlopez": "Caja-Demo-2026"}


class Customer(Protocol):
    async def send(self, text: str) -> Any: ...
    async def press(self, label: str) -> Any: ...


@dataclass(frozen=True)
class Path:
    steps: tuple[tuple[str, str], ...]  # ("send", text) | ("press", label)
    account: str | None = None  # logged in once there (None: not logged in)
    then_code: bool = False  # and then the code of the recovery e-mail just asked for

    async def walk(self, customer: Customer, app: App) -> None:
        for action, value in self.steps:
            await getattr(customer, action)(value)
        if self.then_code:
            await customer.send(reset_codes(app)[-1])  # the newest


def _login(journey: str, user: str = "mmendez") -> tuple[tuple[str, str], ...]:
    return (
        ("send", "/start"),
        ("press", journey),
        ("send", user),
        ("send", PASSWORDS[user]),
    )


UPGRADE = _login("Actualizar")
CDA = _login("CDA")
RECOVERY = (("send", "/start"), ("press", "Olvidé mi contraseña"))
PATHS: dict[State, Path] = {
    State.MENU: Path((("send", "/start"),)),
    State.LOGIN_USER: Path((("send", "/start"), ("press", "Actualizar"))),
    State.LOGIN_PASSWORD: Path((("send", "/start"), ("press", "Actualizar"), ("send", "mmendez"))),
    State.RECOVERY_USER: Path(RECOVERY),
    State.RECOVERY_DONE: Path((*RECOVERY, ("send", "mmendez"))),
    State.CHOOSE_MODALITY: Path(UPGRADE, "mmendez"),
    State.CHOOSE_SERIAL: Path((*UPGRADE, ("press", "Suscripciones")), "mmendez"),
    State.UPGRADE_TERMS: Path(
        (*UPGRADE, ("press", "Suscripciones"), ("press", "CLSNRR123456")), "mmendez"
    ),
    State.UPGRADE_DONE: Path(
        (*UPGRADE, ("press", "Suscripciones"), ("press", "CLSNRR123456"), ("press", "Aceptar")),
        "mmendez",
    ),
    State.LICENCE_UPGRADE: Path(
        (*_login("Actualizar", "jlopez"), ("press", "Licenciamiento"), ("press", "SKSNLC650127")),
        "jlopez",
    ),
    State.CDA_CONFIRM: Path(
        (*CDA, ("press", "Suscripciones"), ("press", "PHSNLM552019")), "mmendez"
    ),
    State.CDA_DONE: Path(
        (*CDA, ("press", "Suscripciones"), ("press", "PHSNLM552019"), ("press", "Reenviar CDA")),
        "mmendez",
    ),
    State.RESET_PASSWORD: Path((*RECOVERY, ("send", "mmendez")), then_code=True),
    State.HANDOFF: Path((*UPGRADE, ("send", "/asesor")), "mmendez"),
}
RESET_CODE = re.compile(r"^\s*([A-Za-z0-9_-]{32})\s*$", re.MULTILINE)


def everything_stored(app: App) -> str:
    """Every value of every row of every table, as text (sealed values as stored)."""
    out: list[str] = []
    with app.db.reading() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                out.extend(str(value) for value in row)
    return "\n".join(out)


def reset_codes(app: App) -> list[str]:
    """The codes of the reset e-mails in the outbox (opened with the database's key)."""
    with app.db.reading() as conn:
        query = select(schema.outbox.c.body).order_by(schema.outbox.c.id)
        bodies = conn.execute(query).scalars().all()
    return [m for body in bodies for m in RESET_CODE.findall(open_stored(app.db.sealer, body))]


async def fresh_reset_code(app: App, who: str = "mmendez") -> str:
    """A reset code valid now, as the recovery e-mail brings it."""
    before = set(reset_codes(app))
    app.portal.start_password_recovery(who)
    (code,) = set(reset_codes(app)) - before
    return code


def deleted_there(state: State, path: Path) -> bool:
    """Whether the rule deletes a password typed at ``state`` (``bot.conversation.secrecy``)."""
    return state in (State.LOGIN_PASSWORD, State.RESET_PASSWORD, State.LOGIN_USER) or (
        path.account is not None
    )
