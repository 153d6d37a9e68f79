"""Every way a receiver can fail ends an attempt as retried or failed, never a delivery
stuck as pending, with a short generic error in the delivery log and the detail in the
server log only. Receivers are real servers on 127.0.0.1 (opened to webhooks by the
``loopback_webhooks`` fixture, test by test); a name is resolved by the system's
resolver or by a stand-in for ``socket.getaddrinfo`` alone."""

import datetime as dt
import logging
import socket
import time

import pytest
import time_machine

from booking.models import DeliveryStatus
from booking.notify import webhooks
from tests import factories
from tests.factories import NOW

pytestmark = pytest.mark.django_db

BANNER = b"5.7.44-internal-mysql"  # what an internal service might say: never in the log


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def short_timeout(settings):
    settings.CLINIC_WEBHOOK_TIMEOUT_SECONDS = 1
    settings.CLINIC_WEBHOOK_BACKOFF_SECONDS = 30
    settings.CLINIC_WEBHOOK_ATTEMPTS = 5


def read_request(connection: socket.socket) -> None:
    connection.recv(65536)


def answers_garbage(connection, _stop):
    read_request(connection)
    connection.sendall(b"\x00\xff" + BANNER + b"\r\n\r\n")


def closes_without_answering(connection, _stop):
    read_request(connection)
    connection.close()


def sleeps_past_the_timeout(connection, stop):
    read_request(connection)
    stop.wait(5)


def drips_its_headers(connection, stop):
    """Each byte well inside the timeout, the whole answer never."""
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stop.wait(0.2):
        connection.sendall(b"X")


def answers_too_many_headers(connection, _stop):
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\n" + b"X-Filler: 1\r\n" * 500 + b"\r\n")


def answers_500_with_a_banner(connection, _stop):
    read_request(connection)
    connection.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 21\r\n\r\n" + BANNER)


def answers_200_then_endless_body(connection, stop):
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n")
    while not stop.is_set():
        connection.sendall(BANNER * 65536)


def deliver_once(url: str):
    delivery = factories.webhook_delivery(webhook=factories.webhook(url=url))
    outcome = webhooks.deliver_webhook.call(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return outcome, delivery, delivery.attempt_log.get()


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        (answers_garbage, "not an HTTP answer"),
        (closes_without_answering, "connection closed without an answer"),
        (sleeps_past_the_timeout, "timed out"),
        (drips_its_headers, "timed out"),
        (answers_too_many_headers, "not an HTTP answer"),
    ],
)
def test_a_receiver_that_fails_is_retried_with_a_generic_error(
    loopback_webhooks, receiver_factory, behaviour, error, caplog
):
    receiver = receiver_factory(behaviour)

    with caplog.at_level(logging.WARNING, logger="booking.notify.webhooks"):
        outcome, delivery, attempt = deliver_once(receiver.url)

    assert outcome == "retry 1"
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at == NOW + dt.timedelta(seconds=30)
    assert (attempt.response_status, attempt.error) == (None, error)
    assert attempt.duration_ms < 2500  # one deadline for the whole attempt
    assert error in caplog.text  # and the detail beside it, for the server's log


def test_the_detail_goes_to_the_server_log_only(loopback_webhooks, receiver_factory, caplog):
    receiver = receiver_factory(answers_garbage)

    with caplog.at_level(logging.WARNING, logger="booking.notify.webhooks"):
        _, _, attempt = deliver_once(receiver.url)

    assert BANNER.decode() in caplog.text
    assert attempt.error == "not an HTTP answer"


def test_an_error_answer_is_logged_by_its_status_alone(loopback_webhooks, receiver_factory):
    receiver = receiver_factory(answers_500_with_a_banner)

    outcome, delivery, attempt = deliver_once(receiver.url)

    assert outcome == "retry 1"
    assert (attempt.response_status, attempt.error) == (500, "receiver answered HTTP 500")
    assert delivery.status == DeliveryStatus.PENDING


def test_an_endless_answer_is_not_read(loopback_webhooks, receiver_factory):
    receiver = receiver_factory(answers_200_then_endless_body)

    started = time.monotonic()
    outcome, _, attempt = deliver_once(receiver.url)

    assert outcome == DeliveryStatus.DELIVERED
    assert (attempt.response_status, attempt.error) == (200, "")
    assert time.monotonic() - started < 1  # the status line is enough


def test_a_redirect_is_not_followed(loopback_webhooks, receiver_factory):
    """A 3xx is a failure like any answer but 2xx: retried (the receiver may be moving
    for a while), then failed; the manager sees why in the log and fixes the URL."""
    inside = receiver_factory([200])

    def redirects(connection, _stop):
        read_request(connection)
        connection.sendall(
            f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {inside.url}\r\n"
            "Content-Length: 0\r\n\r\n".encode()
        )

    outcome, _, attempt = deliver_once(receiver_factory(redirects).url)

    assert outcome == "retry 1"
    assert attempt.response_status == 307
    assert attempt.error == "receiver answered HTTP 307 (redirects are not followed)"
    assert inside.received == []


def test_tls_to_a_receiver_that_speaks_plain_http_fails_cleanly(
    loopback_webhooks, receiver_factory
):
    receiver = receiver_factory([200])

    outcome, _, attempt = deliver_once(receiver.url.replace("http://", "https://"))

    assert outcome == "retry 1"
    assert attempt.error == "secure connection failed"
    assert receiver.received == []


def test_a_tls_handshake_that_never_ends_times_out(loopback_webhooks, receiver_factory):
    receiver = receiver_factory(sleeps_past_the_timeout)

    outcome, _, attempt = deliver_once(receiver.url.replace("http://", "https://"))

    assert outcome == "retry 1"
    assert attempt.error == "timed out"
    assert attempt.duration_ms < 2500


def test_a_name_that_cannot_be_resolved_is_retried(loopback_webhooks, monkeypatch):
    def no_such_name(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)

    outcome, _, attempt = deliver_once("https://hooks.example.com/clinic")

    assert outcome == "retry 1"
    assert attempt.error == "could not connect"


def test_the_last_failed_attempt_fails_the_delivery(loopback_webhooks, receiver_factory, settings):
    settings.CLINIC_WEBHOOK_ATTEMPTS = 1
    receiver = receiver_factory(answers_garbage)

    outcome, delivery, _ = deliver_once(receiver.url)

    assert outcome == DeliveryStatus.FAILED
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None


def test_a_url_that_is_no_url_fails_instead_of_crashing_the_task(loopback_webhooks, caplog):
    """Saved before the checks existed, say: the unexpected error is still an outcome."""
    outcome, _, attempt = deliver_once("http://[::1/hooks")

    assert outcome == "retry 1"
    assert attempt.error == "delivery failed"
    assert any(record.exc_info for record in caplog.records)  # the traceback, server side


def test_a_name_that_rebinds_to_loopback_after_saving_is_refused(
    settings, receiver_factory, monkeypatch
):
    """The check is not opened to loopback here: the name passed the check on save
    (a public address), then resolves to the receiver on 127.0.0.1 when delivered."""
    settings.CLINIC_WEBHOOK_HTTPS_ONLY = False
    receiver = receiver_factory([200])
    real = socket.getaddrinfo
    answers = iter(["8.8.8.8", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.example.com":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    webhook = factories.webhook(url=f"http://hooks.example.com:{receiver.port}/hooks")
    webhook.full_clean()  # passes: the name is public for now

    delivery = factories.webhook_delivery(webhook=webhook)
    outcome = webhooks.deliver_webhook.call(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome == DeliveryStatus.FAILED  # at once: retrying would be refused again
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempt_log.get().error == "refused: address not allowed"
    assert receiver.received == []
