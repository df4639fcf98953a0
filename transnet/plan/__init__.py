"""Plans of project cards: schema, selection, snapping, actions, and applying a whole plan.

The card schema is in :mod:`.cards`, selecting the edges a card affects in :mod:`.select`,
snapping new lines in :mod:`.snap`, one function per action in :mod:`.actions` and the
dispatcher in :mod:`.apply`.
"""

from transnet.plan.apply import PlanResult, apply_plan
from transnet.plan.cards import ACTIONS, Plan, ProjectCard, load_plan

__all__ = [
    "ACTIONS",
    "Plan",
    "PlanResult",
    "ProjectCard",
    "apply_plan",
    "load_plan",
]
