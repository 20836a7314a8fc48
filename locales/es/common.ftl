## Shared words used across the bot.

aspel-phone = 800 Aspel 123
