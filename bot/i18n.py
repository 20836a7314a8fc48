"""Every user-facing string comes from ``locales/<lang>/*.ftl`` (Project Fluent).

The files live at the top of the repository and ship inside the wheel as ``bot/locales``.

Code names a message id and passes variables: ``t("upgrade-done", serial=new)``. Fluent was
chosen over gettext because ids are stable keys (the Spanish can be rewritten freely without
touching code), variables are named, and selectors handle plurals and modalities in the
translation rather than in Python.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fluent.runtime import FluentBundle, FluentResource


def _locales_dir() -> Path:
    """``bot/locales`` in an installed wheel (setup.py maps it there), else the checkout's."""
    package = Path(__file__).resolve().parent
    installed = package / "locales"
    return installed if installed.is_dir() else package.parent / "locales"


LOCALES_DIR = _locales_dir()


class MissingMessage(KeyError):
    pass


class Translator:
    """Formats messages of one locale. Callable: ``t(key, **variables) -> str``."""

    def __init__(self, locale: str = "es", directory: Path = LOCALES_DIR) -> None:
        self.locale = locale
        self.files = sorted((directory / locale).glob("*.ftl"))
        self._bundle = FluentBundle([f"{locale}-MX", locale], use_isolating=False)
        self._constant: dict[str, str] = {}
        for path in self.files:
            self._bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))

    def has(self, key: str) -> bool:
        return self._bundle.has_message(key)

    def __call__(self, key: str, **variables: Any) -> str:
        if not variables:  # a message without variables always reads the same: kept once made
            text = self._constant.get(key)
            if text is None:
                text = self._constant[key] = self._format(key, {})
            return text
        return self._format(key, variables)

    def _format(self, key: str, variables: dict[str, Any]) -> str:
        if not self._bundle.has_message(key):
            raise MissingMessage(key)
        message = self._bundle.get_message(key)
        if message.value is None:
            raise MissingMessage(f"{key} has no value")
        text, errors = self._bundle.format_pattern(message.value, variables)
        if errors:
            raise ValueError(f"{key}: {errors}")
        return str(text)

    def attribute(self, key: str, attribute: str, **variables: Any) -> str:
        message = self._bundle.get_message(key)
        text, errors = self._bundle.format_pattern(message.attributes[attribute], variables)
        if errors:
            raise ValueError(f"{key}.{attribute}: {errors}")
        return str(text)


@cache
def translator(locale: str = "es") -> Translator:
    return Translator(locale)
