"""understand() never raises and always returns a valid Understanding."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue import default_catalogue
from bot.domain.serials import is_valid
from bot.nlu import FAQ_KEYS, Intent, Understanding, understand

PRODUCTS = set(default_catalogue().products)


def assert_valid(got: Understanding) -> None:
    assert isinstance(got, Understanding)
    assert isinstance(got.intent, Intent)
    assert 0.0 <= got.confidence <= 1.0
    assert got.product is None or got.product in PRODUCTS
    assert got.serial is None or is_valid(got.serial)
    assert got.faq is None or got.faq in FAQ_KEYS
    assert len(got.ranked) in (0, 3)
    assert all(0.0 <= scored.probability <= 1.0 for scored in got.ranked)
    assert got.also is None or (isinstance(got.also, Intent) and got.also is not got.intent)


@given(st.text())
def test_any_unicode(text: str) -> None:
    assert_valid(understand(text))


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=40).map(lambda s: (s * (10_000 // len(s) + 1))[:10_000]))
def test_ten_thousand_characters(text: str) -> None:
    # A huge message is read on a bounded prefix: doubling it changes nothing, so its cost is
    # bounded too (the cost per message is a figure of `aspel-bot understand --evaluate`).
    assert len(text) == 10_000
    got = understand(text)
    assert_valid(got)
    assert understand(text + text) == got


@given(
    st.lists(
        st.sampled_from(
            [
                "actualizar",
                "cda",
                "sae",
                "caja",
                "no",
                "quiero",
                "cl-sn-rr-123456",
                "contraseña",
                "si",
                "gracias",
                "hola",
                "descargar",
                "ya",
                "activar",
                "razón social",
                "¿",
                "?",
                "wey",
                "7",
                "8",
            ]
        )
    ).map(" ".join)
)
def test_keyword_soup(text: str) -> None:
    assert_valid(understand(text))


def test_edge_strings() -> None:
    for text in [
        "",
        " ",
        "\n",
        "\x00",
        "🙂" * 5000,
        "a" * 10_000,
        "CLSNRR123456" * 900,
        "c l s n r r " * 2000,
        "\u202e\u200b",
        "ｓａｅ",
    ]:
        assert_valid(understand(text))
