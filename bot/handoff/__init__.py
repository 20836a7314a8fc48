"""Handing a customer to a human advisor: tickets, transcripts, business hours, staff commands.

The conversation engine owns the state (``State.HANDOFF``) and writes tickets and transcript
events; this package reads them for support staff (``aspel-bot tickets``, ``transcript``,
``script-from-transcript``) and for the support group (``bot.handlers.support``).
"""
