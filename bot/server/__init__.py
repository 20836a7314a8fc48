"""The production webhook server: ``aspel-bot serve --workers N`` (see ``bot.server.serve``).

- ``app``: the Starlette app of one worker process (webhook, health, readiness, metrics).
- ``inbox``: every update stored before Telegram gets its 200; duplicates dropped by update id.
- ``locks``: one chat at a time across processes (PostgreSQL advisory locks).
- ``processor``: each worker serves chats with pending updates, in update-id order.
- ``timers``: stored deadlines (inactivity, handoff reminders) swept by every worker.
- ``metrics``: Prometheus figures, summed over the worker processes.
"""
