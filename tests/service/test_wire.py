"""Errors and events cross the wire unchanged: every error class comes back as itself with
its facts and message, with the HTTP status its kind calls for; event lines decode into the
publisher's Structs. Pure: no event loop."""

from __future__ import annotations

import msgspec
import pytest

from ollm_actors import errors
from ollm_actors.actors.event import Event
from ollm_actors.errors import OllmError
from ollm_actors.service.wire import error_body, error_from_body, event_from_line, status_of
from ollm_actors.vocab.pull_events import ModelDeleted, PullEvent
from tests.test_errors_tree import SAMPLES


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_error_comes_back_as_itself(name: str) -> None:
    sent = SAMPLES[name]
    body = msgspec.json.decode(msgspec.json.encode(error_body(sent)))
    back = error_from_body(body, target="/s.sock", status=status_of(sent))
    assert type(back) is type(sent)
    assert back.facts() == sent.facts()
    assert str(back) == str(sent)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ModelNotFound("x", "http://h:1"), 404),
        (errors.PullNotFound("x", None, ()), 404),
        (errors.ModelBusy("x", "http://h:1", "pulling"), 409),
        (errors.InvalidModelName("x!", "bad"), 400),
        (errors.UnknownProfile("p", ["q"]), 400),
        (errors.ServiceRefused("t", 401, "wrong token"), 401),
        (errors.HostUnreachable("http://h:1", "refused"), 502),
        (errors.AskTimeout("inventory", "List", 1.0), 504),
        (errors.ActorCrashed("inventory", RuntimeError("bug")), 500),
    ],
)
def test_statuses_follow_the_kind_of_error(error: OllmError, status: int) -> None:
    assert status_of(error) == status


def test_a_body_that_names_no_error_of_ours_is_a_refusal() -> None:
    back = error_from_body({"error": {"type": "InternalError", "message": "boom"}},
                           target="/s.sock", status=500)
    assert isinstance(back, errors.ServiceRefused) and back.status == 500


def test_event_lines_decode_into_the_publishers_structs() -> None:
    pulled = PullEvent(event="progress", model="m:latest", host="http://h:1", pull_id=3)
    deleted = ModelDeleted(model="m:latest", host="http://h:1")
    for topic, payload in (("pull.progress", pulled), ("model.deleted", deleted)):
        line = msgspec.json.encode(Event(topic=topic, time=1.0, payload=payload))
        assert event_from_line(line) == Event(topic=topic, time=1.0, payload=payload)
    other = event_from_line(b'{"topic":"host.offline","time":1.0,"payload":{"url":"x"}}')
    assert other.payload == {"url": "x"}
