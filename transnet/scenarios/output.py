"""The files of ``transnet prioritise``: ``prioritise.json``, ``projects.csv``, the frontier.

The contract CI and notebooks rely on (``prioritise.json``): ``selected`` (card ids),
``cost_100m_cny``, ``budget_100m_cny`` (or null), ``targets`` (each evaluated target's
``status`` and ``value`` after re-evaluating the selected subset with the real pipeline),
``frontier`` (one entry per budget step: ``budget_100m_cny``, ``selected``, ``cost_100m_cny``,
``targets_met``, ``met``), ``method`` (``name``: exact or greedy, the solver, the model-vs-real
``model_gap`` per target and the greedy baseline), ``unreachable`` (target → why no subset
meets it) and ``notes``. ``projects.csv`` is the value table
(:mod:`transnet.scenarios.values`), ``frontier.csv`` the frontier as a table and
``frontier.png`` its plot.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from transnet.scenarios.prioritise import Prioritisation
from transnet.scenarios.values import ProjectValues

__all__ = ["FILES", "frontier_frame", "plot_frontier", "write_prioritise"]

#: The files :func:`write_prioritise` writes.
FILES = ("prioritise.json", "projects.csv", "frontier.csv", "frontier.png")


def frontier_frame(answer: Prioritisation) -> pd.DataFrame:
    """Return the frontier as a table, one row per budget step.

    Examples
    --------
    >>> from transnet.scenarios import ScenarioBase, prioritise, project_values
    >>> base = ScenarioBase.from_study(study)
    >>> answer = prioritise(base, project_values(base), frontier_steps=2)
    >>> frontier_frame(answer)[["budget_100m_cny", "met", "selected"]]
       budget_100m_cny  met    selected
    0             10.3    3
    1            216.0    4    E3 E5 E8
    2           1309.0    4  E1 E3 ...
    """
    columns = ["budget_100m_cny", "cost_100m_cny", "met", "selected", "targets_met"]
    rows = [
        {**row, "selected": " ".join(row["selected"]), "targets_met": " ".join(row["targets_met"])}
        for row in answer.frontier
    ]
    return pd.DataFrame(rows, columns=columns)


def plot_frontier(answer: Prioritisation, *, total_targets: int):
    """Return a matplotlib figure: targets met against the cost of the best subset per budget.

    Parameters
    ----------
    answer
        :func:`~transnet.scenarios.prioritise.prioritise`'s answer.
    total_targets
        The number of evaluated targets (the top of the axis).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from transnet.scenarios import ScenarioBase, prioritise, project_values
    >>> base = ScenarioBase.from_study(study)
    >>> answer = prioritise(base, project_values(base), frontier_steps=2)
    >>> plot_frontier(answer, total_targets=4).axes[0].get_ylabel()
    'targets met'
    """
    from matplotlib.figure import Figure  # matplotlib only when a plot is asked for

    figure = Figure(figsize=(6.4, 3.6), dpi=120)
    axes = figure.subplots()
    frame = frontier_frame(answer)
    if len(frame):
        axes.step(frame["budget_100m_cny"], frame["met"], where="post", color="#1f5fa8")
        axes.scatter(
            frame["budget_100m_cny"],
            frame["met"],
            s=24,
            color="#1f5fa8",
            label="best subset within the budget (re-evaluated)",
            zorder=3,
        )
    axes.scatter(
        [answer.choice.cost_100m_cny],
        [answer.choice.met],
        s=110,
        marker="*",
        color="#c0392b",
        label=f"answer ({answer.method}): {answer.choice.cost_100m_cny:,.1f}",
        zorder=4,
    )
    axes.set_xlabel("budget, 100 million CNY")
    axes.set_ylabel("targets met")
    axes.set_ylim(-0.2, total_targets + 0.5)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title("Cost–targets frontier")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    return figure


def write_prioritise(answer: Prioritisation, values: ProjectValues, folder: Path) -> list[Path]:
    """Write the files of :data:`FILES` into ``folder`` (a staging folder) and return them.

    Parameters
    ----------
    answer
        :func:`~transnet.scenarios.prioritise.prioritise`'s answer.
    values
        The value table it used.
    folder
        An existing folder, normally :func:`transnet.io.files.atomic_directory`'s.

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> from transnet.scenarios import ScenarioBase, prioritise, project_values
    >>> base = ScenarioBase.from_study(study)
    >>> values = project_values(base)
    >>> answer = prioritise(base, values, frontier_steps=2)
    >>> from pathlib import Path
    >>> [p.name for p in write_prioritise(answer, values, Path("."))]
    ['prioritise.json', 'projects.csv', 'frontier.csv', 'frontier.png']
    """
    folder = Path(folder)
    paths = [folder / name for name in FILES]
    record = answer.to_json()
    paths[0].write_text(
        json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    values.table.to_csv(paths[1], index=False, encoding="utf-8")
    frontier_frame(answer).to_csv(paths[2], index=False, encoding="utf-8")
    figure = plot_frontier(answer, total_targets=len(values.targets))
    figure.savefig(paths[3])
    return paths
