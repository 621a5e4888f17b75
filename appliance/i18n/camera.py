"""Texts of the camera domain (keys start with ``camera.``)."""

from __future__ import annotations

from appliance.i18n import register

register({})
