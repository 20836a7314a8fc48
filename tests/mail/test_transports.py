"""Transport configuration and the .eml folder used when SMTP_URL is unset."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.mail_relay import EmlFolderTransport, Mail, SmtpTransport, transport_from_settings
from bot.settings import Settings

MAIL = Mail("upgrade:CLSNRR123456", "a@example.com", "Asunto", "Cuerpo", datetime.now(UTC))


def test_smtp_urls() -> None:
    plain = SmtpTransport("smtp://mail.example.com")
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls) == (
        "mail.example.com", 25, False, False,
    )  # fmt: skip
    tls = SmtpTransport("smtps://bot%40aspel:p%3Ass@mail.example.com")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password) == (
        465, True, "bot@aspel", "p:ss",
    )  # fmt: skip
    upgrade = SmtpTransport("smtp://u:p@mail.example.com:2525?starttls=1")
    assert (upgrade.port, upgrade.starttls) == (2525, True)
    with pytest.raises(ValueError):
        SmtpTransport("http://mail.example.com")


def test_settings_pick_the_transport(tmp_path: Path) -> None:
    eml = transport_from_settings(Settings(smtp_url=None, outbox_dir=tmp_path))
    assert isinstance(eml, EmlFolderTransport) and eml.folder == tmp_path
    smtp = transport_from_settings(Settings(smtp_url=SecretStr("smtp://h:2525")))
    assert isinstance(smtp, SmtpTransport) and smtp.port == 2525


async def test_eml_folder_writes_one_file_per_key_and_replays_overwrite(tmp_path: Path) -> None:
    transport = EmlFolderTransport(tmp_path / "out")
    await transport.send(MAIL)
    await transport.send(MAIL)
    [written] = (tmp_path / "out").iterdir()
    assert written.name.startswith("upgrade_CLSNRR123456-") and written.suffix == ".eml"
    message = message_from_bytes(written.read_bytes())
    assert message["Subject"] == "Asunto" and message["To"] == "a@example.com"
