"""Model limits: the built-in database, resolution across layers, token estimates, budgets.

Everything here is pure and synchronous; the limits actor (a thin shell) holds the database,
the live server facts and the overrides, and calls these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ollm_actors._lazy import lazy_getattr

if TYPE_CHECKING:
    from ollm_actors.limits.budget import (
        NUM_CTX_STEP,
        RequestOptions,
        TokenBudget,
        compute_budget,
        compute_budget_for_prompt,
    )
    from ollm_actors.limits.database import (
        ModelDatabase,
        load_builtin_database,
    )
    from ollm_actors.limits.errors import (
        LimitsDataError,
    )
    from ollm_actors.limits.family_defaults import (
        FAMILY_DEFAULTS,
        SAFE_DEFAULT,
        FamilyDefault,
        family_default,
    )
    from ollm_actors.limits.patterns import (
        PatternIndex,
        compile_pattern,
        patterns_overlap,
    )
    from ollm_actors.limits.resolve import (
        LimitsSource,
        LimitsSources,
        ModelLimits,
        ServerFacts,
        resolve_limits,
        server_facts_from_show,
        validate_overrides,
    )
    from ollm_actors.limits.tokens import (
        estimate_message_tokens,
        estimate_prompt_tokens,
        estimate_tokens,
    )
    from ollm_actors.limits.types import (
        CAPABILITY_NAMES,
        Capabilities,
        EntryCapabilities,
        LimitsOverride,
        ModelEntry,
        OverrideCapabilities,
    )

# Loaded on first use: the settings import `limits.types`, and must not pay for the
# database, the budget rules and the token estimator on every CLI start.
_LAZY: dict[str, str] = {
    "NUM_CTX_STEP": "ollm_actors.limits.budget",
    "RequestOptions": "ollm_actors.limits.budget",
    "TokenBudget": "ollm_actors.limits.budget",
    "compute_budget": "ollm_actors.limits.budget",
    "compute_budget_for_prompt": "ollm_actors.limits.budget",
    "ModelDatabase": "ollm_actors.limits.database",
    "load_builtin_database": "ollm_actors.limits.database",
    "LimitsDataError": "ollm_actors.limits.errors",
    "FAMILY_DEFAULTS": "ollm_actors.limits.family_defaults",
    "SAFE_DEFAULT": "ollm_actors.limits.family_defaults",
    "FamilyDefault": "ollm_actors.limits.family_defaults",
    "family_default": "ollm_actors.limits.family_defaults",
    "PatternIndex": "ollm_actors.limits.patterns",
    "compile_pattern": "ollm_actors.limits.patterns",
    "patterns_overlap": "ollm_actors.limits.patterns",
    "LimitsSource": "ollm_actors.limits.resolve",
    "LimitsSources": "ollm_actors.limits.resolve",
    "ModelLimits": "ollm_actors.limits.resolve",
    "ServerFacts": "ollm_actors.limits.resolve",
    "resolve_limits": "ollm_actors.limits.resolve",
    "server_facts_from_show": "ollm_actors.limits.resolve",
    "validate_overrides": "ollm_actors.limits.resolve",
    "estimate_message_tokens": "ollm_actors.limits.tokens",
    "estimate_prompt_tokens": "ollm_actors.limits.tokens",
    "estimate_tokens": "ollm_actors.limits.tokens",
    "CAPABILITY_NAMES": "ollm_actors.limits.types",
    "Capabilities": "ollm_actors.limits.types",
    "EntryCapabilities": "ollm_actors.limits.types",
    "LimitsOverride": "ollm_actors.limits.types",
    "ModelEntry": "ollm_actors.limits.types",
    "OverrideCapabilities": "ollm_actors.limits.types",
}

__all__ = (
    "CAPABILITY_NAMES",
    "FAMILY_DEFAULTS",
    "NUM_CTX_STEP",
    "SAFE_DEFAULT",
    "Capabilities",
    "EntryCapabilities",
    "FamilyDefault",
    "LimitsDataError",
    "LimitsOverride",
    "LimitsSource",
    "LimitsSources",
    "ModelDatabase",
    "ModelEntry",
    "ModelLimits",
    "OverrideCapabilities",
    "PatternIndex",
    "RequestOptions",
    "ServerFacts",
    "TokenBudget",
    "compile_pattern",
    "compute_budget",
    "compute_budget_for_prompt",
    "estimate_message_tokens",
    "estimate_prompt_tokens",
    "estimate_tokens",
    "family_default",
    "load_builtin_database",
    "patterns_overlap",
    "resolve_limits",
    "server_facts_from_show",
    "validate_overrides",
)


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
