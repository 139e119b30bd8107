"""Settings: YAML files, ``OLLM_*`` environment variables and CLI flags, merged in one order
(defaults < user file < project file < environment < flags), validated against
``schemas/settings.schema.json`` and returned as a frozen, typed :class:`Settings` that
knows where each value came from.
"""

from ollm_actors.config.loader import check_settings_file, load_settings, user_settings_file
from ollm_actors.config.model import FrozenDict, Settings
from ollm_actors.config.options import ENV_VARS, FLAGS, flags_to_overrides

__all__ = (
    "ENV_VARS",
    "FLAGS",
    "FrozenDict",
    "Settings",
    "check_settings_file",
    "flags_to_overrides",
    "load_settings",
    "user_settings_file",
)
