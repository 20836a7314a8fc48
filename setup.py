"""What pyproject.toml cannot say: ``locales/`` ships inside the package as ``bot/locales``.

The Fluent files stay at the top of the repository (the customer's layout); a wheel maps that
folder into the package, so ``pip install .`` and ``pip install -e .`` both find them
(``bot/i18n.py``). Everything else is declared in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bot", "bot.*"]), "bot.locales"],
    package_dir={"bot.locales": "locales"},
)
