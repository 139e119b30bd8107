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


# --- hostile input: secrets in the userinfo and the query -----------------------------------

SECRET = "pa/ss?#x"


def test_query_is_kept_for_requests_and_masked_for_display() -> None:
    host = parse_host("https://gpu-box/ollama?token=t0ken&x=1#frag")
    assert host.query == "token=t0ken&x=1"
    assert host.url == "https://gpu-box:443/ollama"
    assert host.display == "https://gpu-box:443/ollama?***"
    assert host.request_path("/api/tags") == "/api/tags?token=t0ken&x=1"
    assert parse_host("gpu-box").request_path("/api/tags") == "/api/tags"
    for shown in (host.display, repr(host), str(host)):
        assert "t0ken" not in shown and "frag" not in shown


def test_userinfo_runs_to_the_last_at_so_a_password_may_hold_slash_and_question_mark() -> None:
    host = parse_host(f"http://alice:{SECRET}@gpu-box:8080/p")
    assert (host.username, host.password) == ("alice", SECRET)
    assert (host.host, host.port, host.path, host.query) == ("gpu-box", 8080, "/p", "")
    assert host.display == "http://***@gpu-box:8080/p"
    unencoded_at = parse_host("http://al@ce:p@ss@gpu-box")
    assert (unencoded_at.username, unencoded_at.password) == ("al@ce", "p@ss")
    assert unencoded_at.host == "gpu-box"


def test_percent_encoded_userinfo_is_decoded_exactly_once() -> None:
    assert parse_host("http://alice:p%40ss@h").password == "p@ss"
    assert parse_host("http://alice:p%40ss@h").auth == "Basic YWxpY2U6cEBzcw=="  # alice:p@ss
    twice = parse_host("http://al%2525ice:p%2540ss@h")
    assert (twice.username, twice.password) == ("al%25ice", "p%40ss")


@pytest.mark.parametrize(
    "text",
    [
        f"https://alice:{SECRET}@gpu-box:8443/ollama/?token=t0ken",
        "http://al%40ice:p%2540ss@h:1/?a=b",
        "http://:only-password@h",
        "http://only-user@h/?",
    ],
)
def test_secret_url_round_trips(text: str) -> None:
    host = parse_host(text)
    assert parse_host(host.secret_url) == host


@pytest.mark.parametrize(
    "text",
    [
        f"http://alice:{SECRET}@gpu-box:bad",
        f"alice:{SECRET}@gpu-box:bad",  # no scheme: redact_url alone would miss it
        f"ftp://alice:{SECRET}@gpu-box",
        f"http://alice:{SECRET}@exa mple.com",
        "http://gpu-box:bad/?token=t0ken",
        "http://gpu-box:1/?token=t0ken withspace",
        f"http://alice:{SECRET}@gpu-box/" + "x" * 9000,
    ],
)
def test_errors_never_echo_userinfo_or_query(text: str) -> None:
    with pytest.raises(InvalidHost) as info:
        parse_host(text)
    shown = str(info.value) + repr(info.value.facts())
    assert "pa/ss" not in shown and "ss?#x" not in shown and "t0ken" not in shown
    assert len(shown) < 600


def test_bytes_that_are_not_utf8_are_refused_and_the_error_prints() -> None:
    with pytest.raises(InvalidHost) as info:
        parse_host("gpu-box\udcff:11434")
    assert info.value.reason == "bytes that are not UTF-8"
    str(info.value).encode("utf-8")  # printable: the surrogate is escaped


def test_overlong_hosts_fail_here_not_in_the_http_stack() -> None:
    with pytest.raises(InvalidHost, match="longer than 8192"):
        parse_host("http://h/" + "x" * 10_000)
    with pytest.raises(InvalidHost, match="longer than 253"):
        parse_host("a" * 300)
    with pytest.raises(InvalidHost, match="longer than 63"):
        parse_host("a" * 64 + ".example.com")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("GET 'http://u:pa/ss@h:1/api?token=x' failed", "GET 'http://***@h:1/api?***' failed"),
        ('x="https://h/p?k=v&t=y" y', 'x="https://h/p?***" y'),
        ("http://h:1/a?b=c\nnext", "http://h:1/a?***\nnext"),
        ("no url here?a=b user@host", "no url here?a=b user@host"),
        ("at http://u:p@ss@h/x, then", "at http://***@h/x, then"),
    ],
)
def test_redact_url_masks_userinfo_and_query(text: str, shown: str) -> None:
    assert redact_url(text) == shown
