"""yes_no at a confirmation, choose among offered options (bot/nlu/replies.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlu import choose, options, yes_no

MODALITY = options("modality")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("va, dale", "yes"),
        ("sale pues", "yes"),
        ("sí", "yes"),
        ("Sí, por favor", "yes"),
        ("simón", "yes"),
        ("¡Órale, va!", "yes"),
        ("claro que sí", "yes"),
        ("no hay problema", "yes"),
        ("ok", "yes"),
        ("yes please", "yes"),
        ("sí, acepto los términos", "yes"),
        ("todavía no, luego", "no"),
        ("mejor no", "no"),
        ("no, gracias", "no"),
        ("nel", "no"),
        ("ahorita no, al rato", "no"),
        ("espérame tantito", "no"),
        ("not now", "no"),
        ("sí, pero luego", "no"),  # what follows "pero" counts
        ("no por favor", "no"),
        ("no sé", None),
        ("mmm no se", None),
        ("no, bueno sí", None),  # they disagree
        ("gracias", None),
        ("quiero actualizar mi coi", None),
        ("", None),
        ("sí " + "y además quiero saber otra cosa " * 3, None),  # a new request, not an answer
    ],
)
def test_yes_no(text: str, answer: str | None) -> None:
    assert yes_no(text) == answer


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("la mensual", "Suscripciones"),
        ("la de renta", "Suscripciones"),
        ("la que pago cada mes", "Suscripciones"),
        ("suscrpciones", "Suscripciones"),  # typed wrong
        ("Suscripciones", "Suscripciones"),
        ("las que compré", "Licenciamiento"),
        ("la de licencia", "Licenciamiento"),
        ("las compradas", "Licenciamiento"),
        ("licenciamiento", "Licenciamiento"),
        ("no la de renta, la otra", "Licenciamiento"),  # ruled out: the one left
        ("la primera", "Suscripciones"),  # by place, in the order offered
        ("la segunda", "Licenciamiento"),
        ("renta o licencia", None),  # both
        ("las dos", None),
        ("no sé", None),
        ("quiero actualizar mi coi", None),
    ],
)
def test_choose_a_modality(text: str, option: str | None) -> None:
    assert choose(text, MODALITY) == option


def test_choose_any_options() -> None:
    offered = {"CLSNRR123456": ["coi", "contabilidad"], "NMSNAB204611": ["noi", "nomina"]}
    assert choose("la del coi", offered) == "CLSNRR123456"
    assert choose("el de nómina", offered) == "NMSNAB204611"
    assert choose("nmsnab204611", offered) == "NMSNAB204611"  # an option's own name
    assert choose("el último", offered) == "NMSNAB204611"
    assert choose("el de bancos", offered) is None
    assert choose("coi", {}) is None


@given(st.text())
def test_never_raise(text: str) -> None:
    assert yes_no(text) in ("yes", "no", None)
    assert choose(text, MODALITY) in (*MODALITY, None)
