"""Plans of project cards: validation, selection of affected edges and application."""

from transnet.plan.apply import (
    ACTIONS,
    Plan,
    PlanResult,
    ProjectCard,
    apply_plan,
    load_plan,
)

__all__ = [
    "ACTIONS",
    "Plan",
    "PlanResult",
    "ProjectCard",
    "apply_plan",
    "load_plan",
]
