"""Every input at every step gets a non-empty reply, on the engine.

Each step of the machine (``bot.fsm.State``, all of them: a new state without a walk here fails
the test) is reached once by a real walk through the engine on the demo data; its stored
conversation is the snapshot. Each example copies one snapshot to a fresh chat and sends one
input there: any text (loose answers, requests, serials of both accounts, commands, noise,
oversized), a button (offered, stale or forged) or a message without text (a photo). The
bot must answer with at least one non-empty, sendable message of the locale catalogue, and
never its apology for an internal error.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import App, build
from bot.conversation.messages import Inbound, Outcome
from bot.conversation.records import StoredConversation, TurnRecords
from bot.domain.passwords import Argon2Hasher
from bot.fsm import State
from bot.settings import Settings
from bot.storage.turns import TurnStore
from tests.conftest import FixedClock

MMENDEZ = [("text", "/start"), ("press", "m:upgrade"), ("text", "mmendez")]
LOGGED_IN = [*MMENDEZ, ("text", "Aspel-Demo-2026")]
CDA_LOGGED_IN = [("text", "/start"), ("press", "m:cda"), ("text", "mmendez")]
CDA_LOGGED_IN += [("text", "Aspel-Demo-2026"), ("press", "mod:subscription")]
# How to reach each step from a new chat.
WALKS: dict[State, list[tuple[str, str]]] = {
    State.MENU: [("text", "/start")],
    State.LOGIN_USER: MMENDEZ[:2],
    State.LOGIN_PASSWORD: MMENDEZ,
    State.RECOVERY_USER: [("text", "/start"), ("press", "m:forgot")],
    State.RECOVERY_DONE: [("text", "/start"), ("press", "m:forgot"), ("text", "mmendez")],
    State.RESET_PASSWORD: [("text", "/start"), ("text", "A" * 32)],
    State.CHOOSE_MODALITY: LOGGED_IN,
    State.CHOOSE_SERIAL: [*LOGGED_IN, ("press", "mod:subscription")],
    State.UPGRADE_TERMS: [*LOGGED_IN, ("press", "mod:subscription"), ("press", "s:CLSNRR123456")],
    State.UPGRADE_DONE: [
        *LOGGED_IN,
        ("press", "mod:subscription"),
        ("press", "s:SKSNWR480213"),
        ("press", "t:accept"),
    ],
    State.LICENCE_UPGRADE: [
        ("text", "/start"),
        ("press", "m:upgrade"),
        ("text", "jlopez"),
        ("text", "Caja-Demo-2026"),
        ("press", "mod:licence"),
        ("press", "s:SKSNLC650127"),
    ],
    State.CDA_CONFIRM: [*CDA_LOGGED_IN, ("press", "s:PHSNLM552019")],
    State.CDA_DONE: [*CDA_LOGGED_IN, ("press", "s:PHSNLM552019"), ("press", "cda:send")],
    State.HANDOFF: [("text", "/start"), ("press", "m:advisor")],
}

PHRASES = (
    [
        "la de renta", "las compradas", "la de nómina", "va, dale", "todavía no, luego",
        "la mensual", "la de licencia", "si", "no", "no se", "PROD", "el de bancos",
        "todavía no me cae el correo, ¿me lo reenvías?", "pero si ya pagué, ¿por qué no se puede?",
        "no puedo entrar y además necesito el código de activación", "me ayudas con el correo",
        "quiero actualizar mi coi", "hola", "gracias", "con un asesor", "cancela", "volver",
        "CLSNRR123456", "SLSNMR771204", "PHSNFB993310", "CLSN RR 123456", "mmendez", "???",
    ]
)  # fmt: skip
phrases = st.sampled_from(PHRASES)
commands = st.sampled_from(["/start", "/menu", "/cancelar", "/salir", "/ayuda", "/asesor", "/x"])
texts = st.one_of(
    phrases,
    commands,
    st.text(max_size=80),
    st.just("   "),
    st.integers(4097, 5000).map("a".__mul__),
)
buttons = st.one_of(
    st.sampled_from(["m:upgrade", "m:cda", "mod:licence", "t:accept", "cda:send", "c:cancel"]),
    st.sampled_from(["s:CLSNRR123456", "s:SLSNMR771204", "c:none", "nav:back", "nav:leave"]),
    st.text(max_size=70),
)
inputs = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("press"), buttons),
    st.tuples(st.just("offered"), st.integers(0, 20)),
    st.tuples(st.just("photo"), st.none()),
)


class Walked:
    """One app on a copy of the demo data, and the stored conversation of each step."""

    def __init__(self, folder: Path, hasher: Argon2Hasher) -> None:
        self.loop = asyncio.new_event_loop()
        self.settings = Settings(
            database_url=f"sqlite:///{folder}/bot.db", outbox_dir=folder / "outbox"
        )
        self.app: App = self.run(build(self.settings, clock=FixedClock(), hasher=hasher))
        self.snapshots: dict[State, StoredConversation] = {}
        self.chats = 0

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def walk(self) -> None:
        for state, events in WALKS.items():
            chat = f"tg:walk-{state.value}"
            for kind, value in events:
                self.run(self.send(chat, kind, value))
            stored = self.run(self.app.db.read(lambda conn, c=chat: TurnStore().load(conn, c)))
            assert stored is not None and stored.state == state.value, (state, stored)
            self.snapshots[state] = stored

    async def send(self, chat: str, kind: str, value: Any) -> Outcome:
        if kind == "text":
            inbound = Inbound(chat, text=value)
        elif kind == "press":
            inbound = Inbound(chat, button=value)
        else:
            inbound = Inbound(chat)
        return await self.app.engine.handle(inbound)

    def copy_of(self, state: State) -> str:
        """A new chat at the same step, with the same slots and session."""
        self.chats += 1
        chat = f"tg:example-{self.chats}"
        snapshot = self.snapshots[state]
        fresh = replace(snapshot, chat_id=chat, turn=0, slots=dict(snapshot.slots))

        def save(conn: Any) -> None:
            TurnStore().save(conn, TurnRecords(conversation=fresh))

        self.run(self.app.db.write(save))
        return chat

    def close(self) -> None:
        self.run(self.app.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def walked(
    sqlite_template: Path, hasher: Argon2Hasher, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Walked]:
    folder = tmp_path_factory.mktemp("every_step")
    shutil.copyfile(sqlite_template, folder / "bot.db")
    walked = Walked(folder, hasher)
    walked.walk()
    yield walked
    walked.close()


def test_every_state_has_a_walk() -> None:
    assert set(WALKS) == set(State)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(state=st.sampled_from(list(State)), event=inputs)
def test_every_input_at_every_step_gets_a_reply(
    walked: Walked, state: State, event: tuple[str, Any]
) -> None:
    chat = walked.copy_of(state)
    kind, value = event
    if kind == "offered":
        offered = walked.snapshots[state].slots.get("offered", [])
        kind, value = ("press", offered[value % len(offered)][0]) if offered else ("photo", None)
    check(walked, walked.run(walked.send(chat, kind, value)), f"{state} {kind} {value!r}")


def test_every_phrase_at_every_step_gets_a_reply(walked: Walked) -> None:
    """The loose answers and requests of the issue, each at each step (random text rarely
    hits one at the step where it matters)."""
    for state in State:
        for phrase in PHRASES:
            chat = walked.copy_of(state)
            check(walked, walked.run(walked.send(chat, "text", phrase)), f"{state} {phrase!r}")


def check(walked: Walked, outcome: Outcome, where: str) -> None:
    assert outcome.replies, f"no reply at {where}"
    for reply in outcome.replies:
        assert reply.text.strip(), reply.key
        assert walked.app.translate.has(reply.key), reply.key
        assert reply.key != "internal-error", where
        assert len(reply.text) <= 4096
        for button in reply.all_buttons():
            assert len(button.data.encode()) <= 64
