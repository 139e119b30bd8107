"""Host addresses: the OLLAMA_HOST table of the protocol notes, credentials kept out of sight."""

from __future__ import annotations

import pytest

from ollm_actors.errors import InvalidHost
from ollm_actors.vocab.hosts import OllamaHost, parse_host, redact_url


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("", "http://127.0.0.1:11434"),
        ("   ", "http://127.0.0.1:11434"),
        (' " 1.2.3.4 " ', "http://1.2.3.4:11434"),
        ("'example.com'", "http://example.com:11434"),
        ("1.2.3.4", "http://1.2.3.4:11434"),
        (":1234", "http://127.0.0.1:1234"),
        ("1.2.3.4:1234", "http://1.2.3.4:1234"),
        ("example.com", "http://example.com:11434"),
        ("Example.COM:8080", "http://example.com:8080"),
        ("[::1]", "http://[::1]:11434"),
        ("::1", "http://[::1]:11434"),
        ("[::1]:1337", "http://[::1]:1337"),
        ("[0001:002:003:0004::1]:56789", "http://[0001:002:003:0004::1]:56789"),
        ("http://1.2.3.4", "http://1.2.3.4:80"),
        ("https://1.2.3.4", "https://1.2.3.4:443"),
        ("HTTPS://example.com", "https://example.com:443"),
        ("https://example.com/ollama", "https://example.com:443/ollama"),
        ("example.com:56789/path/", "http://example.com:56789/path"),
        ("example.com/", "http://example.com:11434"),
        ("ollama.com", "https://ollama.com:443"),
        # bind-all addresses are dialled on loopback
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("0.0.0.0:8000", "http://127.0.0.1:8000"),
        ("[::]", "http://[::1]:11434"),
        ("::", "http://[::1]:11434"),
    ],
)
def test_host_table(text: str, url: str) -> None:
    host = parse_host(text)
    assert host.url == url
    assert host.display == url
    assert host.auth is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ftp://example.com", "scheme 'ftp' is not http or https"),
        ("unix:///run/ollama.sock", "scheme 'unix' is not http or https"),
        (":66000", "port 66000 is outside 1-65535"),
        (":0", "port 0 is outside 1-65535"),
        (":-1", "port '-1' is not a number"),
        ("example.com:http", "port 'http' is not a number"),
        ("exa mple.com", "hostname 'exa mple.com' contains ' ', which is not allowed"),
        ("[::1", "'[' without a closing ']'"),
        ("[::1]x", "unexpected 'x' after ']'"),
        ("[zz::1]", "'zz::1' is not a valid IPv6 address"),
    ],
)
def test_invalid_hosts_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidHost) as info:
        parse_host(text)
    assert info.value.reason == reason


def test_credentials_stay_out_of_url_display_repr_and_errors() -> None:
    host = parse_host("https://alice:s3cret@gpu-box:8443/ollama/")
    assert host.url == "https://gpu-box:8443/ollama"
    assert host.display == "https://***@gpu-box:8443/ollama"
    assert (host.username, host.password) == ("alice", "s3cret")
    assert host.auth == "Basic YWxpY2U6czNjcmV0"
    assert "s3cret" not in repr(host) and "s3cret" not in str(host)
    with pytest.raises(InvalidHost) as info:
        parse_host("ftp://alice:s3cret@gpu-box")
    assert "s3cret" not in str(info.value)
    assert "s3cret" not in str(info.value.facts())


def test_redact_url() -> None:
    assert redact_url("GET http://u:p@h:1/x failed") == "GET http://***@h:1/x failed"
    assert (
        redact_url("see https://h:1/x and http://tok@h2") == "see https://h:1/x and http://***@h2"
    )


def test_default_struct_is_the_default_host() -> None:
    assert OllamaHost() == parse_host("")
