"""A module-level WSGI app for other servers (``gunicorn keapsim.wsgi:app``, granian).

Use one worker process only: state lives in memory, and several processes would each have their
own. Settings come from the environment: ``KEAPSIM_API_KEY``, ``KEAPSIM_PROFILE``,
``KEAPSIM_THROTTLE`` (on/off).
"""

from __future__ import annotations

import os
from typing import cast

from .config import Profile
from .simulator import Simulator

simulator = Simulator(
    # An unknown profile is refused with pydantic's message (simulator.default_settings).
    profile=cast(Profile, os.environ.get("KEAPSIM_PROFILE", "keap")),
    throttle=os.environ.get("KEAPSIM_THROTTLE", "on") != "off",
    api_key=os.environ.get("KEAPSIM_API_KEY"),
)
app = simulator.wsgi_app
