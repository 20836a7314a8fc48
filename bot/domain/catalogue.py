"""The product catalogue, read from ``catalogue.toml`` beside this module."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_FILE = Path(__file__).with_name("catalogue.toml")


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    letter: str
    current: str | None
    upgrades: dict[str, str]  # from version -> to version

    def upgrade_from(self, version: str) -> str | None:
        return self.upgrades.get(version)

    def is_newest(self, version: str) -> bool:
        return self.current is not None and version == self.current


@dataclass(frozen=True, slots=True)
class Catalogue:
    products: dict[str, Product]

    def get(self, code: str) -> Product:
        return self.products[code]

    def by_letter(self, letter: str) -> Product | None:
        for product in self.products.values():
            if product.letter == letter:
                return product
        return None

    @classmethod
    def from_file(cls, path: Path) -> Catalogue:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        products = {
            code: Product(
                code=code,
                name=entry["name"],
                letter=entry["letter"],
                current=entry.get("current"),
                upgrades={step["from"]: step["to"] for step in entry.get("upgrades", [])},
            )
            for code, entry in raw["products"].items()
        }
        return cls(products)


@cache
def default_catalogue() -> Catalogue:
    return Catalogue.from_file(CATALOGUE_FILE)
