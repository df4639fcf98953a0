"""One function per card action, each ``(card, line, context) -> CardLog``."""

from transnet.plan.actions.new import new
from transnet.plan.actions.realign import realign
from transnet.plan.actions.upgrade import upgrade
from transnet.plan.actions.widen import widen

#: The function applying each action.
ACTION_FUNCTIONS = {"new": new, "widen": widen, "upgrade": upgrade, "realign": realign}

__all__ = ["ACTION_FUNCTIONS", "new", "realign", "upgrade", "widen"]
