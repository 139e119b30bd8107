"""The emulated registry: models that can be pulled, with the facts Ollama reports for them.

Sizes, parameter counts, context lengths and capabilities follow what the Ollama library and
``ollama show`` report for these tags. Blob digests are synthetic but deterministic: weights
and projector blobs hash the model name (its revision, and for a derived model the name whose
weights it shares); the small blobs (template, system, license, params) and the config hash their
content, as Ollama's do, so a derived model reuses every layer it did not change.
"""

from __future__ import annotations

import hashlib

import msgspec

from ollm_actors.emulator.shapes import shape_info

__all__ = (
    "CATALOG",
    "CatalogModel",
    "Layer",
    "ParamValue",
    "manifest_digest",
    "model_info",
    "model_layers",
    "modelfile_text",
    "parameters_text",
    "synthetic_model",
    "text_layers",
)

MEDIA_MODEL = "application/vnd.ollama.image.model"
MEDIA_TEMPLATE = "application/vnd.ollama.image.template"
MEDIA_LICENSE = "application/vnd.ollama.image.license"
MEDIA_PARAMS = "application/vnd.ollama.image.params"
MEDIA_SYSTEM = "application/vnd.ollama.image.system"
MEDIA_PROJECTOR = "application/vnd.ollama.image.projector"
MEDIA_CONFIG = "application/vnd.docker.container.image.v1+json"

#: Size of the config blob; real ones are a few hundred bytes of JSON.
_CONFIG_SIZE = 487

#: A Modelfile parameter value as JSON gives it (``stop`` repeats as several pairs).
ParamValue = str | int | float | bool


class CatalogModel(msgspec.Struct, frozen=True, kw_only=True):
    """A model the emulated registry can serve, with the facts ``/api/show`` reports.

    ``name`` is the canonical display name (``llama3.1:8b``); ``aliases`` are other tags that
    point at the same manifest (``llama3.1:latest``). ``size`` is the sum of all layer sizes.
    ``weights_of`` names the model whose weights (and projector) a derived model shares (empty:
    its own); ``revision`` counts registry re-publications, each with new weights.
    """

    name: str
    family: str
    families: tuple[str, ...] | None
    parameter_size: str
    quantization_level: str
    size: int
    architecture: str
    parameter_count: int
    context_length: int
    embedding_length: int
    capabilities: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    template: str = ""
    parameters: tuple[tuple[str, ParamValue], ...] = ()
    license: str = ""
    projector_size: int = 0
    format: str = "gguf"
    system: str = ""
    weights_of: str = ""
    revision: int = 0


class Layer(msgspec.Struct, frozen=True):
    """One blob of a manifest: ``digest`` is ``sha256:<64 hex>``."""

    media_type: str
    digest: str
    size: int

    @property
    def short(self) -> str:
        """The 12 hex characters Ollama shows in ``pulling <short>``."""
        return self.digest[7:19]


class _ManifestLayer(msgspec.Struct, frozen=True, rename="camel"):
    media_type: str
    digest: str
    size: int


class _Manifest(msgspec.Struct, frozen=True, rename="camel"):
    schema_version: int
    media_type: str
    config: _ManifestLayer
    layers: tuple[_ManifestLayer, ...]


def _blob_digest(name: str, index: int) -> str:
    return "sha256:" + hashlib.sha256(f"{name}\x00{index}".encode()).hexdigest()


def _content_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _params_blob(model: CatalogModel) -> bytes:
    grouped: dict[str, list[ParamValue]] = {}
    for key, value in model.parameters:
        grouped.setdefault(key, []).append(value)
    return msgspec.json.encode({k: v if k == "stop" else v[0] for k, v in grouped.items()})


def text_layers(model: CatalogModel) -> tuple[tuple[str, bytes], ...]:
    """The small blobs of ``model`` with their content, in manifest order (empty ones left out)."""
    texts = (
        (MEDIA_TEMPLATE, model.template.encode()),
        (MEDIA_SYSTEM, model.system.encode()),
        (MEDIA_LICENSE, model.license.encode()),
        (MEDIA_PARAMS, _params_blob(model) if model.parameters else b""),
    )
    return tuple((media, data) for media, data in texts if data)


def model_layers(model: CatalogModel) -> tuple[Layer, ...]:
    """The manifest layers in pull order: weights, projector, template, system, license, params,
    config.

    Small blobs are sized from their real content; the weights take the rest of ``size``.
    """
    seed = model.weights_of or model.name
    if model.revision:
        seed = f"{seed}@{model.revision}"
    texts = text_layers(model)
    weights = model.size - model.projector_size - _CONFIG_SIZE
    weights -= sum(len(data) for _, data in texts)
    layers = [Layer(MEDIA_MODEL, _blob_digest(seed, 0), weights)]
    if model.projector_size:
        layers.append(Layer(MEDIA_PROJECTOR, _blob_digest(seed, 1), model.projector_size))
    layers.extend(Layer(media, _content_digest(data), len(data)) for media, data in texts)
    # The config describes the other layers: it changes whenever one of them does.
    config = "\n".join(layer.digest for layer in layers).encode()
    layers.append(Layer(MEDIA_CONFIG, _content_digest(config), _CONFIG_SIZE))
    return tuple(layers)


def manifest_digest(model: CatalogModel) -> str:
    """The tag digest Ollama lists: sha256 of the manifest encoding, 64 hex, no prefix."""
    layers = model_layers(model)
    manifest = _Manifest(
        schema_version=2,
        media_type="application/vnd.docker.distribution.manifest.v2+json",
        config=_ManifestLayer(layers[-1].media_type, layers[-1].digest, layers[-1].size),
        layers=tuple(_ManifestLayer(la.media_type, la.digest, la.size) for la in layers[:-1]),
    )
    return hashlib.sha256(msgspec.json.encode(manifest)).hexdigest()


def model_info(model: CatalogModel) -> dict[str, object]:
    """GGUF-style metadata as ``/api/show`` reports it (large arrays left empty)."""
    arch = model.architecture
    return {
        "general.architecture": arch,
        "general.file_type": 15 if model.quantization_level == "Q4_K_M" else 2,
        "general.parameter_count": model.parameter_count,
        "general.quantization_version": 2,
        f"{arch}.context_length": model.context_length,
        f"{arch}.embedding_length": model.embedding_length,
        "tokenizer.ggml.model": "gpt2" if arch != "nomic-bert" else "bert",
        "tokenizer.ggml.tokens": [],
        **shape_info(model.name, model.weights_of, arch),
    }


def parameters_text(model: CatalogModel) -> str:
    """Modelfile parameters as Ollama prints them: key padded to 30 columns, quoted value."""
    lines = []
    for key, value in model.parameters:
        shown = msgspec.json.encode(value).decode() if isinstance(value, str) else _go_value(value)
        lines.append(f"{key:<30} {shown}")
    return "\n".join(lines)


def _go_value(value: ParamValue) -> str:
    # Go prints booleans in lower case.
    return str(value).lower() if isinstance(value, bool) else str(value)


def modelfile_text(model: CatalogModel, shown_name: str) -> str:
    """A Modelfile like ``ollama show --modelfile`` prints for ``shown_name``."""
    weights = model_layers(model)[0].digest.replace(":", "-")
    out = [
        '# Modelfile generated by "ollama show"',
        "# To build a new Modelfile based on this, replace FROM with:",
        f"# FROM {shown_name}",
        "",
        f"FROM /root/.ollama/models/blobs/{weights}",
    ]
    if model.template:
        out.append(f'TEMPLATE """{model.template}"""')
    if model.system:
        out.append(f'SYSTEM """{model.system}"""')
    for key, value in model.parameters:
        out.append(f"PARAMETER {key} {_go_value(value)}")
    if model.license:
        out.append(f'LICENSE """{model.license}"""')
    return "\n".join(out) + "\n"


_LLAMA3_TEMPLATE = (
    "{{- if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>"
    "{{- end }}\n{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n"
    "{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
)
_LLAMA3_STOPS = (
    ("stop", "<|start_header_id|>"),
    ("stop", "<|end_header_id|>"),
    ("stop", "<|eot_id|>"),
)
_CHATML_TEMPLATE = (
    "{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n"
)
_CHATML_STOPS = (("stop", "<|im_start|>"), ("stop", "<|im_end|>"))
_CODER_FIM_TEMPLATE = (
    "{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>"
    "{{- else }}" + _CHATML_TEMPLATE + "{{- end }}"
)
_INST_TEMPLATE = "[INST] {{ if .System }}{{ .System }} {{ end }}{{ .Prompt }} [/INST]"
_INST_STOPS = (("stop", "[INST]"), ("stop", "[/INST]"))
_APACHE = "Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/\n"
_LLAMA31_LICENSE = (
    "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024\n"
)
_LLAMA32_LICENSE = (
    "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT\nLlama 3.2 Version Release Date: September 25, 2024\n"
)

CATALOG: tuple[CatalogModel, ...] = (
    CatalogModel(
        name="llama3.1:8b", aliases=("llama3.1:latest",), family="llama", families=("llama",),
        parameter_size="8.0B", quantization_level="Q4_K_M", size=4_920_753_328,
        architecture="llama", parameter_count=8_030_261_312, context_length=131_072,
        embedding_length=4096, capabilities=("completion", "tools"),
        template=_LLAMA3_TEMPLATE, parameters=_LLAMA3_STOPS, license=_LLAMA31_LICENSE,
    ),
    CatalogModel(
        name="llama3.2:3b", aliases=("llama3.2:latest",), family="llama", families=("llama",),
        parameter_size="3.2B", quantization_level="Q4_K_M", size=2_019_393_189,
        architecture="llama", parameter_count=3_212_749_888, context_length=131_072,
        embedding_length=3072, capabilities=("completion", "tools"),
        template=_LLAMA3_TEMPLATE, parameters=_LLAMA3_STOPS, license=_LLAMA32_LICENSE,
    ),
    CatalogModel(
        name="qwen2.5-coder:7b", aliases=("qwen2.5-coder:latest",), family="qwen2",
        families=("qwen2",), parameter_size="7.6B", quantization_level="Q4_K_M",
        size=4_683_087_332, architecture="qwen2", parameter_count=7_615_616_512,
        context_length=32_768, embedding_length=3584,
        capabilities=("completion", "tools", "insert"),
        template=_CODER_FIM_TEMPLATE, parameters=_CHATML_STOPS, license=_APACHE,
    ),
    CatalogModel(
        name="qwen2.5-coder:1.5b", family="qwen2", families=("qwen2",),
        parameter_size="1.5B", quantization_level="Q4_K_M", size=986_062_089,
        architecture="qwen2", parameter_count=1_543_714_304, context_length=32_768,
        embedding_length=1536, capabilities=("completion", "tools", "insert"),
        template=_CODER_FIM_TEMPLATE, parameters=_CHATML_STOPS, license=_APACHE,
    ),
    CatalogModel(
        name="qwen2.5:7b", aliases=("qwen2.5:latest",), family="qwen2", families=("qwen2",),
        parameter_size="7.6B", quantization_level="Q4_K_M", size=4_683_075_271,
        architecture="qwen2", parameter_count=7_615_616_512, context_length=32_768,
        embedding_length=3584, capabilities=("completion", "tools"),
        template=_CHATML_TEMPLATE, parameters=_CHATML_STOPS, license=_APACHE,
    ),
    CatalogModel(
        name="phi3:mini", aliases=("phi3:latest",), family="phi3", families=("phi3",),
        parameter_size="3.8B", quantization_level="Q4_0", size=2_176_178_913,
        architecture="phi3", parameter_count=3_821_079_552, context_length=4096,
        embedding_length=3072, capabilities=("completion",),
        template="{{ if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}"
        "<|user|>\n{{ .Prompt }}<|end|>\n<|assistant|>\n",
        parameters=(("stop", "<|end|>"), ("stop", "<|user|>"), ("stop", "<|assistant|>")),
        license="Microsoft.\nCopyright (c) Microsoft Corporation.\n\nMIT License\n",
    ),
    CatalogModel(
        name="mistral:7b", aliases=("mistral:latest",), family="llama", families=("llama",),
        parameter_size="7.2B", quantization_level="Q4_0", size=4_113_301_824,
        architecture="llama", parameter_count=7_248_023_552, context_length=32_768,
        embedding_length=4096, capabilities=("completion", "tools"),
        template=_INST_TEMPLATE, parameters=_INST_STOPS, license=_APACHE,
    ),
    CatalogModel(
        name="gemma2:2b", family="gemma2", families=("gemma2",), parameter_size="2.6B",
        quantization_level="Q4_0", size=1_629_518_495, architecture="gemma2",
        parameter_count=2_614_341_888, context_length=8192, embedding_length=2304,
        capabilities=("completion",),
        template="<start_of_turn>user\n{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}"
        "<end_of_turn>\n<start_of_turn>model\n",
        parameters=(("stop", "<start_of_turn>"), ("stop", "<end_of_turn>")),
        license="Gemma Terms of Use\n\nLast modified: February 21, 2024\n",
    ),
    CatalogModel(
        name="deepseek-coder-v2:16b", aliases=("deepseek-coder-v2:latest",),
        family="deepseek2", families=("deepseek2",), parameter_size="15.7B",
        quantization_level="Q4_0", size=8_905_124_946, architecture="deepseek2",
        parameter_count=15_706_484_224, context_length=163_840, embedding_length=2048,
        capabilities=("completion", "insert"),
        template="{{ if .Suffix }}<｜fim▁begin｜>{{ .Prompt }}<｜fim▁hole｜>{{ .Suffix }}"
        "<｜fim▁end｜>{{ else }}User: {{ .Prompt }}\n\nAssistant:{{ end }}",
        parameters=(("stop", "User:"), ("stop", "Assistant:")),
        license="DEEPSEEK LICENSE AGREEMENT\nVersion 1.0, 23 October 2023\n",
    ),
    CatalogModel(
        name="codellama:7b", aliases=("codellama:latest",), family="llama",
        families=("llama",), parameter_size="7B", quantization_level="Q4_0",
        size=3_825_910_662, architecture="llama", parameter_count=6_738_546_688,
        context_length=16_384, embedding_length=4096, capabilities=("completion",),
        template=_INST_TEMPLATE, parameters=(*_INST_STOPS, ("rope_frequency_base", 1_000_000)),
        license="LLAMA 2 COMMUNITY LICENSE AGREEMENT\n"
        "Llama 2 Version Release Date: July 18, 2023\n",
    ),
    CatalogModel(
        name="llava:7b", aliases=("llava:latest",), family="llama", families=("llama", "clip"),
        parameter_size="7B", quantization_level="Q4_0", size=4_733_363_377,
        architecture="llama", parameter_count=7_241_732_096, context_length=32_768,
        embedding_length=4096, capabilities=("completion", "vision"),
        template=_INST_TEMPLATE, parameters=_INST_STOPS, license=_APACHE,
        projector_size=624_434_336,
    ),
    CatalogModel(
        name="llama3.2-vision:11b", aliases=("llama3.2-vision:latest",), family="mllama",
        families=("mllama",), parameter_size="10.7B", quantization_level="Q4_K_M",
        size=7_901_829_417, architecture="mllama", parameter_count=10_670_220_835,
        context_length=131_072, embedding_length=4096, capabilities=("completion", "vision"),
        template=_LLAMA3_TEMPLATE, parameters=(("temperature", 0.6), ("top_p", 0.9)),
        license=_LLAMA32_LICENSE, projector_size=1_938_521_760,
    ),
    CatalogModel(
        name="deepseek-r1:8b", aliases=("deepseek-r1:latest",), family="qwen3",
        families=("qwen3",), parameter_size="8.2B", quantization_level="Q4_K_M",
        size=5_225_376_047, architecture="qwen3", parameter_count=8_190_735_360,
        context_length=131_072, embedding_length=4096,
        capabilities=("completion", "tools", "thinking"),
        template=_CHATML_TEMPLATE, parameters=(("temperature", 0.6), ("top_p", 0.95)),
        license="MIT License\n\nCopyright (c) 2023 DeepSeek\n",
    ),
    CatalogModel(
        name="nomic-embed-text:latest", aliases=("nomic-embed-text:v1.5",),
        family="nomic-bert", families=("nomic-bert",), parameter_size="137M",
        quantization_level="F16", size=274_302_450, architecture="nomic-bert",
        parameter_count=136_727_040, context_length=2048, embedding_length=768,
        capabilities=("embedding",), parameters=(("num_ctx", 8192),), license=_APACHE,
    ),
    CatalogModel(
        name="mxbai-embed-large:latest", aliases=("mxbai-embed-large:335m",), family="bert",
        families=("bert",), parameter_size="334M", quantization_level="F16",
        size=669_615_493, architecture="bert", parameter_count=334_090_240,
        context_length=512, embedding_length=1024, capabilities=("embedding",),
        parameters=(("num_ctx", 512),), license=_APACHE,
    ),
)

#: Shapes synthetic models cycle through: (family, arch, params, count, ctx, emb, caps, size).
_SYNTHETIC_SHAPES: tuple[tuple[str, str, str, int, int, int, tuple[str, ...], int], ...] = (
    ("llama", "llama", "8.0B", 8_030_261_312, 131_072, 4096, ("completion", "tools"),
     4_920_000_000),
    ("qwen2", "qwen2", "7.6B", 7_615_616_512, 32_768, 3584,
     ("completion", "tools", "insert"), 4_680_000_000),
    ("phi3", "phi3", "3.8B", 3_821_079_552, 4096, 3072, ("completion",), 2_170_000_000),
    ("gemma2", "gemma2", "2.6B", 2_614_341_888, 8192, 2304, ("completion",), 1_620_000_000),
    ("nomic-bert", "nomic-bert", "137M", 136_727_040, 2048, 768, ("embedding",), 274_000_000),
)


def synthetic_model(index: int) -> CatalogModel:
    """A distinct, valid model (``synthetic-<family>-<index>:q4``) for large-inventory tests."""
    family, arch, params, count, ctx, emb, caps, size = _SYNTHETIC_SHAPES[
        index % len(_SYNTHETIC_SHAPES)
    ]
    return CatalogModel(
        name=f"synthetic-{family}-{index:05d}:q4",
        family=family,
        families=(family,),
        parameter_size=params,
        quantization_level="Q4_K_M",
        size=size + index,
        architecture=arch,
        parameter_count=count,
        context_length=ctx,
        embedding_length=emb,
        capabilities=caps,
    )
