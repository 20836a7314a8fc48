"""Tricky single messages: decisions documented in tests/nlu/README.md."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fluent.runtime import FluentBundle, FluentResource

from bot.nlu import FAQ_KEYS, Intent, understand
from bot.nlu.lexicon import LEXICON_FILE, load
from bot.nlu.products import ProductIndex

FAQ_FILE = Path(__file__).resolve().parents[2] / "locales" / "es" / "faq.ftl"


def test_intent_set_is_exactly_the_agreed_one() -> None:
    assert {i.value for i in Intent} == {
        "upgrade_serial",
        "resend_cda",
        "forgot_password",
        "no_account",
        "download",
        "activation_help",
        "human_agent",
        "greeting",
        "thanks",
        "cancel",
        "help",
        "unknown",
    }


def test_understanding_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        understand("hola").intent = Intent.CANCEL  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("q onda wey, kiero actualisar mi sae porfa", Intent.UPGRADE_SERIAL),
        ("hola, buenas tardes, me reenvían el CDA?", Intent.RESEND_CDA),
        ("forgot my password", Intent.FORGOT_PASSWORD),
        ("no puedo entrar al portal", Intent.FORGOT_PASSWORD),
        ("no entiendo", Intent.HELP),
        ("no, gracias", Intent.CANCEL),
        ("gracias, ahora quiero actualizar el noi", Intent.UPGRADE_SERIAL),
        ("si actualizo, ¿cambia el CDA?", Intent.HELP),
        ("no quiero actualizar todavía, solo saber cuánto cuesta", Intent.HELP),
        ("ya no quiero actualizar, cancela", Intent.CANCEL),
        ("quiero renovar mi suscripción", Intent.UNKNOWN),
        ("quiero descargar la factura de mi pago", Intent.UNKNOWN),
        ("CLSNRR123456", Intent.UNKNOWN),
        ("", Intent.UNKNOWN),
    ],
)
def test_intent(text: str, intent: Intent) -> None:
    assert understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("problemas con mi sistema de nómina", "NOI"),
        ("el sistema de nominas", "NOI"),
        ("mi nómina de esta quincena salió con descuento de más", None),  # a payslip
        ("necesito descargar el nomina 10", "NOI"),
        ("el de recursos humanos", "NOI"),
        ("soy de recursos humanos", None),
        ("el BANCO no abre desde ayer", "BANCO"),  # in capitals: the product
        ("el banco no me ha depositado", None),  # a bank
        ("el programa de bancos versión 6", "BANCO"),
        ("DONDE DESCARGO EL ASPEL BANCO 6", "BANCO"),
        ("el de inventarios", "SAE"),
        ("el sistema d ventas", "SAE"),
        ("el punto d venta", "CAJA"),
        ("cómo configuro la caja de ahorro en el NOI", "NOI"),
        ("el de facturación", "FACTURE"),
        ("producción", "PROD"),
        ("contabilidad electrónica", "COI"),
        ("sistema administrativo", "SAE"),
        ("el caja 4 de la tienda", "CAJA"),
        ("lo compré en caja física, es el coi", "COI"),
        ("la caja registradora no abre", None),
        ("pagué en el banco", None),
        ("aspel bancos", "BANCO"),
        ("quiero facturar", None),
        ("aspel facture", "FACTURE"),
        ("el sae ya lo actualicé, ahora quiero actualizar el noi", "NOI"),
        ("tengo sae y coi", "SAE"),
        ("reenviar cda PHSNLM552019", "PROD"),  # from the serial's first letter
        ("actualizar mi COI, serie SKSNWR480213", "COI"),  # a named product wins
    ],
)
def test_product(text: str, product: str | None) -> None:
    assert understand(text).product == product


@pytest.mark.parametrize(
    ("text", "serial"),
    [
        ("mi serie cl-sn-rr-123456", "CLSNRR123456"),
        ("clsnrr 123456 porfa", "CLSNRR123456"),
        ("es la C L S N R R 1 2 3 4 5 6", "CLSNRR123456"),
        ("SK SN WR 480 213", "SKSNWR480213"),
        ("CLSNRR12345 le falta un número", None),
        ("123456", None),
    ],
)
def test_serial(text: str, serial: str | None) -> None:
    assert understand(text).serial == serial


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        ("¿de dónde bajo el SAE 8?", "faq-download"),
        ("olvidé mi contraseña", "faq-forgot-password"),
        ("no tengo cuenta", "faq-no-account"),
        ("no me llegó el CDA, ya busqué en spam", "faq-cda-email"),
        ("compré el noi en caja y no tengo el cda", "faq-physical-box"),
        ("qué es el CDA?", "faq-what-is-cda"),
        ("¿el cda sigue siendo el mismo con la versión nueva?", "faq-cda-on-upgrade"),
        ("al actualizar, ¿hasta cuándo sirve la versión anterior?", "faq-old-version"),
        ("si actualizo, ¿mi pago sigue siendo anual?", "faq-periodicity"),
        ("qué razón social pongo al activar", "faq-razon-social"),
        ("cuánto cuesta la licencia del coi 9", "faq-licence-upgrade"),
        ("quiero actualizar mi sae", None),
    ],
)
def test_faq(text: str, faq: str | None) -> None:
    assert understand(text).faq == faq


def test_every_faq_key_has_a_spanish_answer() -> None:
    bundle = FluentBundle(["es-MX"], use_isolating=False)
    bundle.add_resource(FluentResource(FAQ_FILE.read_text(encoding="utf-8")))
    assert len(FAQ_KEYS) == len(set(FAQ_KEYS)) == 11
    for key in FAQ_KEYS:
        assert key.startswith("faq-")
        text, errors = bundle.format_pattern(bundle.get_message(key).value, {})
        assert not errors and len(text) > 40, key


def test_lexicon_rejects_rules_naming_unknown_concepts(tmp_path: Path) -> None:
    text = LEXICON_FILE.read_text(encoding="utf-8")
    bad = text.replace('all = ["old_version"]', 'all = ["nope"]')
    assert bad != text
    (tmp_path / "lexicon.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match="nope"):
        load(tmp_path / "lexicon.toml")


def test_nicknames_are_catalogue_data(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(
        '[products.XYZ]\nname = "Aspel XYZ"\nletter = "X"\n'
        'nicknames = ["xyz", "el de pruebas"]\nnot_meant = ["de pruebas de"]\n',
        encoding="utf-8",
    )
    index = ProductIndex.from_file(catalogue)
    assert index.mentions(["quiero", "el", "de", "pruebas"], ["quiero", "el", "de", "pruebas"])
    words = "el de pruebas de sonido".split()
    assert index.mentions(words, words) == []


@pytest.mark.parametrize(
    ("text", "intent", "also"),
    [
        (
            "no puedo entrar y además necesito el código de activación",
            Intent.FORGOT_PASSWORD,  # the blocker first
            Intent.RESEND_CDA,
        ),
        (
            "olvidé mi contraseña, y luego quiero actualizar mi noi",
            Intent.FORGOT_PASSWORD,
            Intent.UPGRADE_SERIAL,
        ),
        ("quiero actualizar mi coi a la 9", Intent.UPGRADE_SERIAL, None),
        ("hola, buenas tardes. Quiero actualizar mi coi", Intent.UPGRADE_SERIAL, None),
    ],
)
def test_second_request(text: str, intent: Intent, also: Intent | None) -> None:
    got = understand(text)
    assert (got.intent, got.also) == (intent, also)


def test_ranked_is_the_top_three_with_calibrated_probabilities() -> None:
    got = understand("no me llegó el código de activación")
    assert len(got.ranked) == 3
    assert got.ranked[0].intent is got.intent is Intent.RESEND_CDA
    probabilities = [scored.probability for scored in got.ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0.5 < probabilities[0] <= 1.0 and sum(probabilities) <= 1.0 + 1e-3
    assert got.confidence == probabilities[0]
    assert len({scored.intent for scored in got.ranked}) == 3
