"""``update_models``: pull installed models again and say, per model, what changed.

The pulls go through the downloads actor (so an update shares a pull already in flight and
its ``pull.*`` events), several at once with a per-host limit; the digests before and after
come from the inventory, refreshed on both sides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from ollm_actors.downloads.job import UNKNOWN_MODEL
from ollm_actors.downloads.lifecycle_results import UpdateResult
from ollm_actors.errors import ModelNotFound, OllmError, PullFailed
from ollm_actors.vocab.names import parse_model_name
from ollm_actors.vocab.suggest import close_matches

if TYPE_CHECKING:
    from ollm_actors.downloads.lifecycle_api import LifecycleMixin, Progress

__all__ = ("in_no_registry", "run_update", "update_outcome")

#: what an update says of a model the registry does not have
LOCAL_REASON = "in no registry (made on this host, like a copy or a create): nothing to update"


def in_no_registry(error: OllmError) -> bool:
    """Whether a pull failed because the registry has no such model (not a failure of the
    update: the model was made locally). Pure."""
    if isinstance(error, ModelNotFound):
        return True
    return isinstance(error, PullFailed) and UNKNOWN_MODEL in error.reason


def update_outcome(model: str, host: str, old: str, new: str | None) -> UpdateResult:
    """The result of a pull that succeeded: ``updated`` when the digest moved. Pure."""
    if new is None or new == old:
        return UpdateResult(model=model, host=host, status="unchanged", old_digest=old,
                            new_digest=new or old)
    return UpdateResult(model=model, host=host, status="updated", old_digest=old, new_digest=new)


async def run_update(
    models: LifecycleMixin,
    names: list[str] | None,
    hosts: list[str] | None,
    *,
    dry_run: bool,
    per_host: int,
    on_progress: Progress | None,
) -> list[UpdateResult]:
    """See :meth:`LifecycleMixin.update_models`."""
    wanted = None if names is None else [parse_model_name(n).display for n in names]
    targets = await models._attach_all(hosts)
    before: dict[str, dict[str, str]] = {}
    for host in targets:
        before[host] = await models._installed(host)
    plan: list[tuple[str, str, str]] = []
    for model in wanted or []:
        if not any(model in installed for installed in before.values()):
            everything = {n for installed in before.values() for n in installed}
            only = targets[0] if len(targets) == 1 else None
            raise ModelNotFound(model, only, close_matches(model, everything))
    for host in targets:
        for model, digest in sorted(before[host].items()):
            if wanted is None or model in wanted:
                plan.append((host, model, digest))
    if dry_run:
        return [UpdateResult(model=m, host=h, status="planned", old_digest=d) for h, m, d in plan]

    failed: dict[tuple[str, str], OllmError] = {}
    limiters = {host: anyio.CapacityLimiter(max(1, per_host)) for host in targets}

    async def one(host: str, model: str) -> None:
        async with limiters[host]:
            try:
                await models._pull(model, host, on_progress)
            except OllmError as exc:
                failed[(host, model)] = exc

    async with anyio.create_task_group() as tasks:
        for host, model, _ in plan:
            tasks.start_soon(one, host, model)
    after = {host: await models._installed(host) for host in targets}
    results: list[UpdateResult] = []
    for host, model, digest in plan:
        error = failed.get((host, model))
        if error is not None and in_no_registry(error):
            results.append(UpdateResult(model=model, host=host, status="local",
                                        old_digest=digest, new_digest=digest,
                                        reason=LOCAL_REASON))
            continue
        if error is not None:
            results.append(UpdateResult(model=model, host=host, status="failed",
                                        old_digest=digest, reason=error.message,
                                        error_type=type(error).__name__))
            continue
        result = update_outcome(model, host, digest, after[host].get(model))
        if result.status == "updated":
            models._told_updated(result)
        results.append(result)
    return results
