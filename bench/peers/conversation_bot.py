"""The peer: the same journeys written the way most python-telegram-bot bots are written.

A ``ConversationHandler`` (one callback per step, state as ints) with ``PicklePersistence``;
accounts and systems in dicts. It does the same steps as our bot for the benchmark journey:
answer the press and mark the choice on the pressed message, ask for the user name and the
password, verify the password with the same Argon2 hasher in a thread, delete the password
message, list the subscriptions, show the terms, upgrade (a new serial, an e-mail to an
in-memory outbox), confirm and resend the CDA (another e-mail).
"""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

from bench import journey
from bench.telegram import TOKEN, BenchApi
from bot.domain import serials
from bot.domain.ports import PasswordHasher

MENU, USER, PASSWORD, MODALITY, SERIAL, TERMS, CDA = range(7)
Context = ContextTypes.DEFAULT_TYPE
B = InlineKeyboardButton


@dataclass
class PeerSystem:
    product: str
    version: str
    replaced_by: str | None = None


@dataclass
class PeerAccount:
    password_hash: str
    name: str
    email: str
    systems: dict[str, PeerSystem]


@dataclass
class PeerStore:
    accounts: dict[str, PeerAccount]
    outbox: list[tuple[str, str]] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)

    @classmethod
    def for_chats(cls, chats: int, password_hash: str) -> PeerStore:
        accounts = {
            journey.username(i): PeerAccount(
                password_hash,
                f"Cliente {i}",
                f"cliente{i}@example.com",
                {
                    journey.upgrade_serial(i): PeerSystem("Aspel COI", "8.0"),
                    journey.cda_serial(i): PeerSystem("Aspel NOI", "9.0"),
                },
            )
            for i in range(chats)
        }
        taken = {serial for a in accounts.values() for serial in a.systems}
        return cls(accounts, taken=taken)

    def upgrade(self, account: PeerAccount, serial: str) -> str:
        old = account.systems[serial]
        new = serials.new_serial(serial[0], "9.0", serial[4:6])
        while new in self.taken:
            new = serials.new_serial(serial[0], "9.0", serial[4:6])
        self.taken.add(new)
        old.replaced_by = new
        account.systems[new] = PeerSystem(old.product, "9.0")
        self.outbox.append((account.email, f"Tu nuevo número de serie: {new}"))
        return new

    def resend_cda(self, account: PeerAccount, serial: str) -> None:
        self.outbox.append((account.email, f"El CDA de la serie {serial}"))


MENU_KEYBOARD = InlineKeyboardMarkup(
    [
        [B("Actualizar mi número de serie", callback_data="m:upgrade")],
        [B("Reenviar mi CDA", callback_data="m:cda")],
        [B("Olvidé mi contraseña", callback_data="m:forgot")],
        [B("Hablar con un asesor", callback_data="m:advisor"), B("Ayuda", callback_data="m:help")],
    ]
)
MODALITIES = InlineKeyboardMarkup(
    [
        [
            B("Suscripciones", callback_data="mod:subscription"),
            B("Licenciamiento", callback_data="mod:licence"),
        ],
        [B("Volver", callback_data="nav:back")],
    ]
)
FORGOT = InlineKeyboardMarkup([[B("Olvidé mi contraseña", callback_data="m:forgot")]])
TERMS_KEYBOARD = InlineKeyboardMarkup(
    [
        [B("Aceptar y actualizar", callback_data="t:accept")],
        [B("No continuar", callback_data="t:decline")],
    ]
)
CDA_KEYBOARD = InlineKeyboardMarkup(
    [[B("Reenviar CDA", callback_data="cda:send")], [B("Volver", callback_data="nav:back")]]
)


class PeerBot:
    def __init__(self, store: PeerStore, hasher: PasswordHasher) -> None:
        self.store = store
        self.hasher = hasher

    async def start(self, update: Update, context: Context) -> int:
        assert update.message is not None
        await _say(update, context, "¡Hola! ¿En qué te ayudo?", reply_markup=MENU_KEYBOARD)
        return MENU

    async def pick(self, update: Update, context: Context) -> int:
        query = await _pressed(update)
        assert context.user_data is not None and query.data is not None
        context.user_data["journey"] = query.data
        if "account" in context.user_data:
            await _say(update, context, "¿Suscripciones o Licenciamiento?", reply_markup=MODALITIES)
            return MODALITY
        await _say(
            update, context, "Entra a tu cuenta Aspel. ¿Cuál es tu usuario?", reply_markup=FORGOT
        )
        return USER

    async def username(self, update: Update, context: Context) -> int:
        assert update.message is not None and context.user_data is not None
        context.user_data["username"] = (update.message.text or "").strip().lower()
        await _say(update, context, "Ahora escribe tu contraseña.", reply_markup=FORGOT)
        return PASSWORD

    async def password(self, update: Update, context: Context) -> int:
        message = update.message
        assert message is not None and context.user_data is not None
        await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
        account = self.store.accounts.get(context.user_data.get("username", ""))
        ok = account is not None and await asyncio.to_thread(
            self.hasher.verify, account.password_hash, message.text or ""
        )
        await message.delete()
        if not ok or account is None:
            await _say(update, context, "Usuario o contraseña incorrectos. ¿Cuál es tu usuario?")
            return USER
        context.user_data["account"] = context.user_data["username"]
        await _say(update, context, f"¡Bienvenido(a), {account.name}!")
        await _say(update, context, "¿Suscripciones o Licenciamiento?", reply_markup=MODALITIES)
        return MODALITY

    async def modality(self, update: Update, context: Context) -> int:
        await _pressed(update)
        account = self._account(context)
        rows = [
            [B(f"{s.product} {s.version} · {serial}", callback_data=f"s:{serial}")]
            for serial, s in sorted(account.systems.items())
            if s.replaced_by is None
        ]
        keyboard = InlineKeyboardMarkup([*rows, [B("Volver", callback_data="nav:back")]])
        await _say(update, context, "Estos son tus sistemas en suscripción.", reply_markup=keyboard)
        return SERIAL

    async def serial(self, update: Update, context: Context) -> int:
        query = await _pressed(update)
        assert context.user_data is not None and query.data is not None
        serial = query.data.removeprefix("s:")
        system = self._account(context).systems[serial]
        context.user_data["serial"] = serial
        if context.user_data.get("journey") == "m:upgrade":
            text = f"Actualizar {system.product} {system.version} a la versión 9.0 ({serial})."
            await _say(update, context, text, reply_markup=TERMS_KEYBOARD)
            return TERMS
        text = f"Voy a reenviar el CDA de {system.product} (serie {serial}) a tu correo."
        await _say(update, context, text, reply_markup=CDA_KEYBOARD)
        return CDA

    async def accept(self, update: Update, context: Context) -> int:
        query = await _pressed(update, typing=True)
        assert context.user_data is not None and query.message is not None
        new = self.store.upgrade(self._account(context), context.user_data["serial"])
        await _say(update, context, f"¡Listo! Tu nuevo número de serie: {new}")
        await _say(update, context, "Qué sigue: descarga la nueva versión.")
        await _say(update, context, "Para activar tu sistema, llama a tu distribuidor.")
        await _say(update, context, "¿Te ayudo con algo más?", reply_markup=MENU_KEYBOARD)
        return MENU

    async def send_cda(self, update: Update, context: Context) -> int:
        query = await _pressed(update, typing=True)
        assert context.user_data is not None and query.message is not None
        self.store.resend_cda(self._account(context), context.user_data["serial"])
        await _say(update, context, "¡Enviado! Revisa tu correo.")
        await _say(update, context, "¿Te ayudo con algo más?", reply_markup=MENU_KEYBOARD)
        return MENU

    def _account(self, context: Context) -> PeerAccount:
        assert context.user_data is not None
        return self.store.accounts[context.user_data["account"]]


async def _say(
    update: Update, context: Context, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=reply_markup)


async def _pressed(update: Update, typing: bool = False) -> CallbackQuery:
    """Answer the press and mark the choice on the pressed message, as our bot does."""
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    if typing:
        await query.get_bot().send_chat_action(query.message.chat.id, ChatAction.TYPING)
    text = getattr(query.message, "text", None) or ""
    await query.edit_message_text(f"{text}\n\n✔ {query.data}")
    return query


def build_peer(api: BenchApi, path: Path, store: PeerStore, hasher: PasswordHasher) -> Application:
    bot = PeerBot(store, hasher)
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)  # per_message=False with buttons
        conversation = ConversationHandler(
            entry_points=[CommandHandler("start", bot.start)],
            states={
                MENU: [CallbackQueryHandler(bot.pick, pattern="^m:(upgrade|cda)$")],
                USER: [MessageHandler(text, bot.username)],
                PASSWORD: [MessageHandler(text, bot.password)],
                MODALITY: [CallbackQueryHandler(bot.modality, pattern="^mod:")],
                SERIAL: [CallbackQueryHandler(bot.serial, pattern="^s:")],
                TERMS: [CallbackQueryHandler(bot.accept, pattern="^t:accept$")],
                CDA: [CallbackQueryHandler(bot.send_cda, pattern="^cda:send$")],
            },
            fallbacks=[CommandHandler("start", bot.start)],
            name="journey",
            persistent=True,
        )
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api)
        .get_updates_request(api)
        .persistence(PicklePersistence(filepath=path))
        .build()
    )
    application.add_handler(conversation)
    return application
