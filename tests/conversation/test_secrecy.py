"""The secrets rule (``bot.conversation.secrecy``), no I/O: what is a password or a reset code."""

from __future__ import annotations

import secrets

import pytest

from bot.conversation import secrecy
from bot.conversation.secrecy import Secret
from bot.domain.serials import new_cda
from bot.fsm import SECRET_STEPS, State

ANSWERS = [
    "mmendez",
    "1",
    "si",
    "COI",
    "CLSNRR123456",
    "clsn-rr-123456",
    "magdalena.mendez@example.com",
    "Magdalena.Mendez2@example.com",
    "https://www.aspel.com.mx/Descargas2",
    "Aspel-COI-9.0",
    "María-José",
    "¡Gracias!",
    "Suscripciones",
    "volver",
    "10/03/2026",
    "jlopez2020",
]
PASSWORDS = ["Tornado-2026x", "Aspel-Demo-2026", "Caja-Demo-2026", "Contraseña!Azul", "x9#Lm2$q"]
OTHER_STEPS = [s for s in State if s not in SECRET_STEPS]


@pytest.mark.parametrize("state", OTHER_STEPS)
@pytest.mark.parametrize("text", ANSWERS)
def test_ordinary_answers_are_not_secrets(state: State, text: str) -> None:
    assert secrecy.classify(text, state) is None
    assert secrecy.redact(f"mi dato: {text}", "[x]") == f"mi dato: {text}"


@pytest.mark.parametrize("state", OTHER_STEPS)
@pytest.mark.parametrize("text", PASSWORDS)
def test_password_shaped_text_is_a_password_at_every_step(state: State, text: str) -> None:
    assert secrecy.classify(text, state) is Secret.PASSWORD
    assert secrecy.classify(f" {text}. ", state) is Secret.PASSWORD
    assert secrecy.redact(f"creo que es {text}, ¿sí?", "[x]") == "creo que es [x] ¿sí?"


@pytest.mark.parametrize("state", OTHER_STEPS)
def test_a_reset_code_is_one_at_every_step(state: State) -> None:
    code = secrets.token_urlsafe(24)
    assert secrecy.classify(code, state) is Secret.RESET_CODE
    assert code not in secrecy.redact(f"me llegó {code} al correo", "[x]")


@pytest.mark.parametrize("state", SECRET_STEPS)
@pytest.mark.parametrize("text", ["mmendez", "1", "/Tornado-2026x", "/asesor ya", "/menu2"])
def test_at_a_password_step_everything_but_the_exact_commands_is_the_password(
    state: State, text: str
) -> None:
    assert secrecy.classify(text, state) is Secret.PASSWORD


@pytest.mark.parametrize("state", SECRET_STEPS)
@pytest.mark.parametrize(
    "text", ["/cancelar", "/menu", "/ayuda", "/asesor", "/salir", "/start", "/START@AspelBot"]
)
def test_the_exact_commands_are_commands_at_a_password_step(state: State, text: str) -> None:
    assert secrecy.classify(text, state) is None


def test_a_cda_is_masked_not_taken_for_a_password() -> None:
    assert secrecy.classify(new_cda(), State.MENU) is None


@pytest.mark.parametrize(
    ("text", "secret"),
    [("hola a todos", False), ("mi clave es Tornado-2026x", True), ("Aspel-Demo-2026", True)],
)
def test_in_a_group(text: str, secret: bool) -> None:
    assert secrecy.in_group(text) is secret
