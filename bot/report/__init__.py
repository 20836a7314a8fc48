"""Where customers drop off: the journey funnel from ``flow_events`` (issue 9).

- ``funnel``: pure computation (instances, funnels) over flow-event rows;
- ``store``: reading the rows with SQLAlchemy Core;
- ``render`` / ``chart``: text, CSV, HTML and the PNG, in Spanish (``locales/es/report.ftl``);
- ``metrics``: ``FunnelCollector`` for Prometheus;
- ``cli``: ``aspel-bot report``.
"""

from __future__ import annotations

from bot.report.cli import command
from bot.report.funnel import FlowRow, Funnel, Instance, Outcome, Reason, funnels, instances
from bot.report.metrics import FunnelCollector

__all__ = [
    "FlowRow",
    "Funnel",
    "FunnelCollector",
    "Instance",
    "Outcome",
    "Reason",
    "command",
    "funnels",
    "instances",
]
