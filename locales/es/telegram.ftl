## The Telegram channel: what only Telegram shows.
## Same tone as bot.ftl: warm, brief, "tú", Mexican Spanish, plain text.

## --- The command menu (setMyCommands; Telegram allows 3–256 characters each) ---------

tg-cmd-start = Empezar y ver lo que puedo hacer por ti
tg-cmd-menu = Volver al menú principal
tg-cmd-cancelar = Dejar el trámite en curso
tg-cmd-ayuda = Ayuda sobre el paso en el que vas
tg-cmd-asesor = Hablar con una persona
tg-cmd-salir = Cerrar tu sesión o salir de la fila

## --- Courtesies --------------------------------------------------------------------

# A pressed button's message becomes the next screen; the choice stays on top of it.
tg-chosen = ✔ { $label }
message-edited = Vi que editaste un mensaje, pero no leo los cambios. Si quieres corregir algo, escríbemelo en un mensaje nuevo.
