"""What a transcript may keep of a message (no I/O)."""

from __future__ import annotations

import pytest

from bot.conversation import redaction, secrecy
from bot.conversation.secrecy import Secret
from bot.domain.serials import new_cda
from bot.fsm import State

MARK = "[oculta]"


@pytest.mark.parametrize(
    "typed",
    [
        "mi contraseña es Aspel-Demo-2026",
        "Contraseña: Aspel-Demo-2026",
        "password Aspel-Demo-2026 gracias",
        "mi clave = Aspel-Demo-2026",
        "contrasenia Aspel-Demo-2026",
    ],
)
def test_an_announced_password_is_hidden_anywhere(typed: str) -> None:
    kept = redaction.customer_text(typed, State.MENU, MARK)
    assert "Aspel-Demo-2026" not in kept and MARK in kept


@pytest.mark.parametrize(
    "typed", ["olvidé mi contraseña", "Olvidé mi contraseña.", "contraseña incorrecta"]
)
def test_talking_about_the_password_is_kept(typed: str) -> None:
    assert redaction.customer_text(typed, State.MENU, MARK) == typed


def test_user_and_password_pasted_at_the_user_step_keep_the_user_only() -> None:
    kept = redaction.customer_text("mmendez Aspel-Demo-2026", State.LOGIN_USER, MARK)
    assert kept == f"mmendez {MARK}"
    assert redaction.customer_text("mmendez", State.LOGIN_USER, MARK) == "mmendez"


def test_the_password_step_is_always_secret() -> None:
    assert secrecy.classify("hola", State.LOGIN_PASSWORD) is Secret.PASSWORD
    assert secrecy.classify("/Tornado-2026x", State.LOGIN_PASSWORD) is Secret.PASSWORD
    assert secrecy.classify("/asesor", State.LOGIN_PASSWORD) is None
    assert secrecy.classify("hola", State.LOGIN_USER) is None


@pytest.mark.parametrize("sep", ["-", " ", ""])
def test_cdas_are_masked_in_any_text(sep: str) -> None:
    cda = new_cda()
    written = cda.replace("-", sep).lower() if sep else cda
    for kept in (
        redaction.customer_text(f"mi CDA es {written}.", State.MENU, MARK),
        redaction.staff_text(f"Tu CDA: {written}"),
    ):
        assert written not in kept and cda not in kept
        assert "****-****-****-" + cda[-4:] in kept


def test_serials_and_emails_are_kept() -> None:
    text = "Mi serie CLSNRR123456, correo magdalena.mendez@example.com"
    assert redaction.customer_text(text, State.CHOOSE_SERIAL, MARK) == text
    assert redaction.staff_text(text) == text
