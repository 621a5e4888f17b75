"""Texts of the agent domain (keys start with ``agent.``)."""

from __future__ import annotations

from appliance.i18n import register

register({})
