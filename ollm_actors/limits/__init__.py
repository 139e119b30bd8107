"""Model limits: the built-in database, resolution across layers, token estimates, budgets.

Everything here is pure and synchronous; the limits actor (a thin shell) holds the database,
the live server facts and the overrides, and calls these functions.
"""

from ollm_actors.limits.budget import (
    NUM_CTX_STEP,
    RequestOptions,
    TokenBudget,
    compute_budget,
    compute_budget_for_prompt,
)
from ollm_actors.limits.database import ModelDatabase, load_builtin_database
from ollm_actors.limits.errors import LimitsDataError
from ollm_actors.limits.family_defaults import (
    FAMILY_DEFAULTS,
    SAFE_DEFAULT,
    FamilyDefault,
    family_default,
)
from ollm_actors.limits.patterns import PatternIndex, compile_pattern, patterns_overlap
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
