"""Texts of the display domain: the display driver's own catalogue, registered as is.

The driver renders some texts onto the screen itself and cannot import ``appliance``,
so it keeps them in ``drivers.display.texts.CATALOGUE``; the pages and CLI use the same.
"""

from __future__ import annotations

from appliance.i18n import register
from drivers.display.texts import CATALOGUE

register(CATALOGUE)
