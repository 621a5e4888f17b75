"""Texts of the checks domain (keys start with ``checks.``)."""

from __future__ import annotations

from appliance.i18n import register

register({})
