"""Model names: Ollama's grammar, defaults, display forms and error reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ollm_actors.errors import InvalidModelName
from ollm_actors.vocab.names import ModelName, model_key, parse_model_name

WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"


@pytest.mark.parametrize(
    ("text", "host", "namespace", "model", "tag", "display"),
    [
        ("llama3.2", "registry.ollama.ai", "library", "llama3.2", "latest", "llama3.2:latest"),
        ("llama3.1:8b", "registry.ollama.ai", "library", "llama3.1", "8b", "llama3.1:8b"),
        ("myuser/m:7b", "registry.ollama.ai", "myuser", "m", "7b", "myuser/m:7b"),
        ("host.tld/ns/m:tag", "host.tld", "ns", "m", "tag", "host.tld/ns/m:tag"),
        ("host:5000/ns/m", "host:5000", "ns", "m", "latest", "host:5000/ns/m:latest"),
        (
            "registry.ollama.ai/library/qwen3",
            "registry.ollama.ai",
            "library",
            "qwen3",
            "latest",
            "qwen3:latest",
        ),
        ("https://host.tld/ns/m:t", "host.tld", "ns", "m", "t", "host.tld/ns/m:t"),
        (
            "gpt-oss:120b-cloud",
            "registry.ollama.ai",
            "library",
            "gpt-oss",
            "120b-cloud",
            "gpt-oss:120b-cloud",
        ),
    ],
)
def test_parse_fills_defaults_and_displays_shortest(
    text: str, host: str, namespace: str, model: str, tag: str, display: str
) -> None:
    name = parse_model_name(text)
    assert name == ModelName(host=host, namespace=namespace, model=model, tag=tag)
    assert name.display == display
    assert name.full == f"{host}/{namespace}/{model}:{tag}"


def test_case_folded_forms() -> None:
    name = parse_model_name("Registry.Ollama.AI/Library/Llama3.2:Q4_K_M")
    assert name.display == "Llama3.2:Q4_K_M"
    assert name.key == "registry.ollama.ai/library/llama3.2:q4_k_m"
    assert name.key == parse_model_name("llama3.2:q4_k_m").key
    assert name.base == "llama3.2"
    assert name.short == "llama3.2:q4_k_m"


def test_equal_names_parse_equal_and_share_a_key() -> None:
    # No process-wide cache: equal inputs give equal (not identical) values.
    assert parse_model_name("phi4:14b") == parse_model_name("phi4:14b")
    assert model_key("Phi4") == model_key("phi4:latest") != model_key("phi4:14b")
    assert model_key("not a name") != model_key("not-a-name")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x:x y", "tag 'x y' has a space"),
        ("", "name is empty"),
        ("m:", "tag is empty (nothing after ':')"),
        (":7b", "model is empty"),
        ("/m", "namespace is empty"),
        ("a/b/c/d", "too many '/' separators (3; at most host/namespace/model)"),
        ("my.user/m", "namespace 'my.user' has a '.', which a namespace may not contain"),
        ("-m", "model '-m' must start with a letter, a digit or '_'"),
        ("m@sha256", "model 'm@sha256' has the character '@', which is not allowed"),
        ("modèle", "model 'modèle' has a non-ASCII character 'è'"),
        # The last ':' starts the tag, so the model part 'm:a' carries the bad ':'.
        ("ns/m:a:b", "model 'm:a' has the character ':', which is not allowed"),
        ("m:" + "t" * 81, f"tag '{'t' * 81}' is longer than 80 characters"),
        ("ftp://h/n/m", "scheme 'ftp' is not allowed (only http or https)"),
        ("h st/n/m", "host 'h st' has a space"),
    ],
)
def test_invalid_names_say_which_part_and_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidModelName) as info:
        parse_model_name(text)
    assert info.value.reason == reason
    assert info.value.model == text


def test_host_may_be_350_long_but_not_more() -> None:
    assert parse_model_name("h" * 350 + "/n/m").host == "h" * 350
    with pytest.raises(InvalidModelName, match="host"):
        parse_model_name("h" * 351 + "/n/m")


part = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(WORD),
    st.text(alphabet=WORD + "-.", max_size=20),
)
namespace_part = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(WORD),
    st.text(alphabet=WORD + "-", max_size=20),
)
host_part = st.one_of(
    st.just("registry.ollama.ai"),
    part,
    st.builds(lambda h, p: f"{h}:{p}", part, st.integers(1, 65535)),
)


@given(host=host_part, namespace=namespace_part, model=part, tag=part)
def test_display_and_full_forms_reparse_to_themselves(
    host: str, namespace: str, model: str, tag: str
) -> None:
    name = ModelName(host=host, namespace=namespace, model=model, tag=tag)
    assert parse_model_name(name.full) == name
    reparsed = parse_model_name(name.display)
    assert reparsed.display == name.display
    assert reparsed.key == name.key


@given(
    prefix=part,
    bad=st.characters(blacklist_characters=WORD + "-.:/", blacklist_categories=("Cs",)),
    suffix=st.text(alphabet=WORD, max_size=5),
    where=st.sampled_from(["model", "tag", "namespace"]),
)
def test_invalid_characters_always_raise(prefix: str, bad: str, suffix: str, where: str) -> None:
    piece = prefix + bad + suffix
    text = {"model": piece, "tag": f"m:{piece}", "namespace": f"{piece}/m"}[where]
    with pytest.raises(InvalidModelName) as info:
        parse_model_name(text)
    assert info.value.reason.startswith(where)


@given(
    st.text(
        alphabet=st.sampled_from("abcXYZ019_-.:/ @é"),
        min_size=0,
        max_size=24,
    )
)
def test_fast_path_agrees_with_the_general_parser(text: str) -> None:
    from ollm_actors.vocab.names import parse_any_model_name

    try:
        expected: object = parse_any_model_name(text)
    except InvalidModelName:
        expected = InvalidModelName
    try:
        got: object = parse_model_name(text)
    except InvalidModelName:
        got = InvalidModelName
    assert got == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # A host's limit is 350, every other part's 80.
        ("h" * 351 + "/n/m", f"host '{'h' * 351}' is longer than 350 characters"),
        ("n/" + "m" * 81, f"model '{'m' * 81}' is longer than 80 characters"),
        ("n" * 81 + "/m", f"namespace '{'n' * 81}' is longer than 80 characters"),
        # Exactly at the limit, another fault is the reason.
        ("m" * 79 + "@", f"model '{'m' * 79}@' has the character '@', which is not allowed"),
        # A ':' is allowed in a host (its port) and nowhere else; what follows is still read.
        ("h:5000 x/n/m", "host 'h:5000 x' has a space"),
        ("h:1:2@/n/m", "host 'h:1:2@' has the character '@', which is not allowed"),
        # Only a '.' is the namespace's own fault; other bad characters are named as such.
        ("ab@c/m", "namespace 'ab@c' has the character '@', which is not allowed"),
        ("a-b.c/m", "namespace 'a-b.c' has a '.', which a namespace may not contain"),
        # The scheme is the text before the first '://'.
        ("ftp://a://b", "scheme 'ftp' is not allowed (only http or https)"),
        # A ':' before the last '/' is not a tag separator.
        ("h/ns:x/m", "namespace 'ns:x' has the character ':', which is not allowed"),
        ("m:a\tb", "tag 'a\\tb' has a whitespace character '\\t'"),
        ("HTTP://h/n/m:t!", "tag 't!' has the character '!', which is not allowed"),
    ],
)
def test_more_reasons(text: str, reason: str) -> None:
    with pytest.raises(InvalidModelName) as info:
        parse_model_name(text)
    assert info.value.reason == reason


def test_schemes_are_dropped_case_insensitively() -> None:
    assert parse_model_name("HTTP://h.tld/n/m").display == "h.tld/n/m:latest"
    assert parse_model_name("https://h:8080/n/m:t").host == "h:8080"


def test_keys_of_names_the_grammar_rejects() -> None:
    assert model_key("Not A Name") == "\x00not a name"
    assert model_key("llama3") == "registry.ollama.ai/library/llama3:latest"


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("qwen2.5-coder:7b", "qwen2.5-coder"),
        ("Llama3.1", "llama3.1"),
        ("myuser/M:7b", "m"),
        ("host:5000/ns/Model:tag", "model"),
        # Names the grammar rejects: the last path part before any tag.
        ("a/b c:x:y", "b c:x"),
        ("h/ns/Bad Name:tag", "bad name"),
        ("a/b/c/d:t", "d"),
        ("x/y/Z Z", "z z"),
        ("", ""),
    ],
)
def test_model_base(name: str, base: str) -> None:
    from ollm_actors.vocab.names import model_base

    assert model_base(name) == base


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("llama3.2", (None, "llama3.2", None)),
        ("llama3.1:8b", (None, "llama3.1", "8b")),
        ("myuser/m:7b", ("myuser", "m", "7b")),
        # A host, a scheme or anything invalid needs the general parser.
        ("host.tld/ns/m", None),
        ("https://m", None),
        ("my.user/m", None),
        ("m:", None),
        ("", None),
    ],
)
def test_the_fast_path_takes_the_common_shape_only(
    text: str, parts: tuple[str | None, str, str | None] | None
) -> None:
    from ollm_actors.vocab._fast import common_name_parts

    assert common_name_parts(text) == parts
