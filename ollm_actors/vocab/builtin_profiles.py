"""Built-in routing profiles (the seed's four plus vision, tools, embedding, long-context)
and the built-in map from task types to profiles.

Settings may change any field of these or add profiles; the merged result lives in
``Settings``. This module is the one place the built-ins are written.
"""

from __future__ import annotations

from ollm_actors.vocab.profiles import RoutingProfile

__all__ = ("BUILTIN_PROFILES", "BUILTIN_TASKS")

BUILTIN_PROFILES: dict[str, RoutingProfile] = {
    p.name: p
    for p in (
        RoutingProfile(
            name="fast",
            description="Quick responses with smaller models",
            preferredFamilies=("phi", "gemma", "mistral"),
            minContextWindow=4096,
            requiredCapabilities=("streaming",),
            fallbackProfile="general",
        ),
        RoutingProfile(
            name="general",
            description="Balanced performance for most tasks",
            preferredFamilies=("llama", "mistral", "qwen"),
            minContextWindow=8192,
            requiredCapabilities=("streaming",),
            fallbackProfile=None,
        ),
        RoutingProfile(
            name="code",
            description="Optimized for code generation",
            preferredFamilies=(
                "codellama",
                "deepseek-coder",
                "starcoder",
                "qwen2.5-coder",
                "codegemma",
                "codestral",
            ),
            minContextWindow=16384,
            requiredCapabilities=("streaming",),
            fallbackProfile="general",
        ),
        RoutingProfile(
            name="creative",
            description="Creative writing and storytelling",
            preferredFamilies=("llama", "mistral"),
            minContextWindow=8192,
            requiredCapabilities=("streaming",),
            fallbackProfile="general",
        ),
        RoutingProfile(
            name="vision",
            description="Understanding images alongside text",
            preferredFamilies=("llama3.2-vision", "gemma3", "llava", "qwen2.5vl", "moondream"),
            minContextWindow=2048,
            requiredCapabilities=("vision", "streaming"),
            fallbackProfile=None,
        ),
        RoutingProfile(
            name="tools",
            description="Agents that call tools (function calling)",
            preferredFamilies=("qwen", "llama", "mistral"),
            minContextWindow=8192,
            requiredCapabilities=("tools", "streaming"),
            fallbackProfile=None,
        ),
        RoutingProfile(
            name="embedding",
            description="Vector embeddings for search and retrieval",
            preferredFamilies=("nomic-embed-text", "mxbai-embed-large", "bge", "all-minilm"),
            minContextWindow=256,
            requiredCapabilities=("embedding",),
            fallbackProfile=None,
        ),
        RoutingProfile(
            name="long-context",
            description="Long documents and large prompts",
            preferredFamilies=("llama", "qwen", "mistral"),
            minContextWindow=65536,
            requiredCapabilities=("streaming",),
            fallbackProfile="general",
        ),
    )
}

#: task type -> profile name; unknown task types use ``model.routing.defaultProfile``
BUILTIN_TASKS: dict[str, str] = {
    "autocomplete": "fast",
    "complete": "fast",
    "classify": "fast",
    "extract": "fast",
    "code": "code",
    "refactor": "code",
    "review": "code",
    "debug": "code",
    "test": "code",
    "story": "creative",
    "poem": "creative",
    "write": "creative",
    "brainstorm": "creative",
    "chat": "general",
    "qa": "general",
    "summarize": "general",
    "translate": "general",
    "image": "vision",
    "ocr": "vision",
    "describe-image": "vision",
    "agent": "tools",
    "tool-call": "tools",
    "function-call": "tools",
    "embed": "embedding",
    "search": "embedding",
    "retrieve": "embedding",
    "long-document": "long-context",
    "summarize-long": "long-context",
}
