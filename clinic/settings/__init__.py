"""Settings for the clinic, all read from the environment (see README, "Configuration").

Values are parsed strictly by clinic.env, so a typo fails at start-up. One set of settings
for every environment (decision 0008), in a module per sub-domain; each reads what it needs
of the core.
"""

from clinic.settings.booking import *  # noqa: F403
from clinic.settings.core import *  # noqa: F403
from clinic.settings.messages import *  # noqa: F403
from clinic.settings.money import *  # noqa: F403
