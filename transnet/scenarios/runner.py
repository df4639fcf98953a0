"""Many independent scenario evaluations, serially or on a Dask cluster, with one progress bar.

Every sweep of transnet (a card removed, a card added alone, a subset of cards, a year of a
phasing) is the same shape: one prepared, read-only object (the base network, the applied
plan, the targets) and many small items, each evaluated by a function of both. This module
runs them:

- serially in this process (the default), in the order of the items;
- on a new :class:`dask.distributed.LocalCluster` of ``workers`` processes;
- on an existing Dask cluster at ``scheduler`` (``tcp://host:8786``).

On Dask the shared object is scattered once to every worker (``broadcast=True``), never
shipped with each task, and the results come back in the order of the items, equal to the
serial ones. ``fn`` and ``shared`` must be picklable (module-level functions, dataclasses).

Use :class:`ScenarioRunner` to run several sweeps on one cluster (the object is scattered
once for all of them), or :func:`run_scenarios` for one sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from transnet import options
from transnet._errors import InputError
from transnet._progress import progress

__all__ = ["ScenarioRunner", "run_scenarios"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")


def _call(item: Any, *, fn: Callable[[Any, Any], Any], shared: Any) -> Any:
    """Evaluate one item on a worker (``shared`` arrives resolved from its scattered future)."""
    return fn(shared, item)


class ScenarioRunner:
    """Where scenario evaluations run: this process, a new local cluster, or a cluster.

    Parameters
    ----------
    shared
        The read-only object every evaluation needs (scattered once on Dask).
    workers
        Start a :class:`dask.distributed.LocalCluster` with this many worker processes (one
        thread each). None and no ``scheduler``: run serially in this process.
    scheduler
        Address of an existing Dask scheduler (``tcp://host:8786``); wins over ``workers``.
    processes
        With ``workers``: worker processes (True, the default) or threads of this process.
    timeout_s
        How long to wait for the scheduler before giving up.

    Raises
    ------
    InputError
        When ``workers`` is not a positive whole number, or no scheduler answers at
        ``scheduler`` (with a hint to use ``--workers``).

    Examples
    --------
    >>> def double(offset, item):
    ...     return offset + 2 * item
    >>> with ScenarioRunner(100) as runner:
    ...     runner.map(double, [1, 2, 3], desc="Doubling")
    [102, 104, 106]
    >>> runner.where
    'serial'

    """

    def __init__(
        self,
        shared: Any,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        processes: bool = True,
        timeout_s: float = options.DASK_CONNECT_TIMEOUT_S,
    ) -> None:
        if workers is not None and (
            isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
        ):
            raise InputError(
                f"--workers must be a whole number of at least 1, got {workers!r}",
                field="workers",
            )
        self.shared = shared
        self.workers = workers
        self.scheduler = scheduler
        self.processes = processes
        self.timeout_s = timeout_s
        self._client = None
        self._cluster = None
        self._shared_future = None

    @property
    def where(self) -> str:
        """``serial``, ``local cluster of N workers`` or ``scheduler ADDRESS``.

        Examples
        --------
        >>> ScenarioRunner(None, scheduler="tcp://10.0.0.5:8786").where
        'scheduler tcp://10.0.0.5:8786'
        """
        if self.scheduler:
            return f"scheduler {self.scheduler}"
        if self.workers:
            return f"local cluster of {self.workers} workers"
        return "serial"

    def __enter__(self) -> ScenarioRunner:
        if not self.scheduler and not self.workers:
            return self
        import logging

        from distributed import Client, LocalCluster  # only when a cluster is asked for

        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout=self.timeout_s)
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(
                    f"no Dask scheduler answers at {self.scheduler!r} within "
                    f"{self.timeout_s:g} s ({type(exc).__name__}); check the address, or use "
                    "--workers N to start a local cluster instead",
                    field="scheduler",
                ) from None
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=":0",  # any free port: never clash with another cluster
                silence_logs=logging.CRITICAL,
            )
            self._client = Client(self._cluster)
        # In a list, so that a dict or list is scattered whole (as one object), not item by item.
        [self._shared_future] = self._client.scatter([self.shared], broadcast=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = self._shared_future = None

    def map(
        self,
        fn: Callable[[S, T], R],
        items: Iterable[T],
        *,
        desc: str = "Evaluating scenarios",
        unit: str = "scenario",
    ) -> list[R]:
        """Return ``[fn(shared, item) for item in items]``, computed where the runner runs.

        Parameters
        ----------
        fn
            A picklable function of the shared object and one item.
        items
            The items, each picklable.
        desc, unit
            Label and unit of the progress bar (quiet under ``--quiet`` or CI).

        Returns
        -------
        list
            One result per item, in the order of the items.

        Examples
        --------
        >>> with ScenarioRunner({"a": 1}) as runner:
        ...     runner.map(lambda shared, key: shared.get(key, 0), ["a", "b"])
        [1, 0]

        """
        items = list(items)
        if self._client is None:
            return [fn(self.shared, item) for item in progress(items, desc=desc, unit=unit)]
        from distributed import as_completed

        futures = self._client.map(
            _call, items, fn=fn, shared=self._shared_future, pure=False, key=_keys(desc, items)
        )
        position = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(items)
        done = as_completed(futures, with_results=True)
        for future, result in progress(done, desc=desc, total=len(items), unit=unit):
            results[position[future.key]] = result
        return results


def _keys(desc: str, items: Sequence[Any]) -> list[str]:
    """Return unique task keys, readable on the Dask dashboard."""
    import uuid

    stem = "-".join(desc.lower().split()[:3]) or "scenario"
    run = uuid.uuid4().hex[:8]
    return [f"{stem}-{run}-{i}" for i in range(len(items))]


def run_scenarios(
    fn: Callable[[S, T], R],
    items: Iterable[T],
    *,
    shared: S,
    workers: int | None = None,
    scheduler: str | None = None,
    processes: bool = True,
    desc: str = "Evaluating scenarios",
) -> list[R]:
    """Evaluate ``fn(shared, item)`` for every item: serially, or on Dask (see the module).

    Parameters
    ----------
    fn
        A picklable function of the shared object and one item.
    items
        The items.
    shared
        The read-only object every evaluation needs, scattered once on Dask.
    workers
        Start a local cluster of this many worker processes.
    scheduler
        Use the existing Dask cluster at this address instead.
    processes
        With ``workers``: processes (default) or threads.
    desc
        Label of the progress bar.

    Returns
    -------
    list
        One result per item, in their order; identical serial or on Dask.

    Raises
    ------
    InputError
        On a bad ``workers`` or an unreachable ``scheduler`` (see :class:`ScenarioRunner`).

    Examples
    --------
    >>> run_scenarios(pow, [2, 3], shared=10)
    [100, 1000]

    """
    with ScenarioRunner(
        shared, workers=workers, scheduler=scheduler, processes=processes
    ) as runner:
        return runner.map(fn, items, desc=desc)
