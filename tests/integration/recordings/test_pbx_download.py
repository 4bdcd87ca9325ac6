"""Downloading recordings from a real HTTP server on loopback (the PBX stub), faults included."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from angel_intelligence.backends.recordings.pbx import PbxRecordingSource, recording_urls
from angel_intelligence.bootstrap import build_recording_source
from angel_intelligence.errors import (
    DownloadFailedError,
    InvalidApexIdError,
    RecordingNotFoundError,
    RecordingTooLargeError,
)
from angel_intelligence.ports import RecordingSource
from angel_intelligence.settings import Settings
from angel_intelligence.testing.pbx_stub import (
    HtmlPage,
    Layout,
    NotFound,
    Oversized,
    PbxStub,
    Redirect,
    ResetMidBody,
    ServerError,
    SlowBody,
    SlowResponse,
)

APEX_ID = "1737123456.12345"  # 17/01/2025 14:17:36 UTC
LIVE, ARCHIVE, ARCHIVE_MONITOR = PbxStub.paths(APEX_ID)


def source_for(pbx: PbxStub, **overrides: Any) -> PbxRecordingSource:
    options: dict[str, Any] = {
        "connect_timeout_s": 2.0,
        "read_timeout_s": 2.0,
        "total_timeout_s": 10.0,
        "attempts": 3,
        "backoff_s": 0.01,
        "backoff_max_s": 0.05,
        **overrides,
    }
    return PbxRecordingSource(pbx.recording_url, pbx.archive_url, **options)


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


# --- URL layouts and fallback order ----------------------------------------------------------


def test_the_three_urls_follow_the_spec_layouts() -> None:
    assert recording_urls(
        "https://pbx.angelfs.co.uk/callrec/",
        "https://afs-pbx-callarchive.angelfs.co.uk/",
        APEX_ID,
        dt.date(2025, 1, 17),
    ) == (
        "https://pbx.angelfs.co.uk/callrec/1737123456.12345.gsm",
        "https://afs-pbx-callarchive.angelfs.co.uk/monitor-2025/01/1737123456.12345.gsm",
        "https://afs-pbx-callarchive.angelfs.co.uk/monitor-2025/01/monitor/1737123456.12345.gsm",
    )


def test_base_urls_without_a_trailing_slash_give_the_same_urls() -> None:
    assert recording_urls("http://h/callrec", "http://a", "1.2", dt.date(2024, 3, 1)) == (
        "http://h/callrec/1.2.gsm",
        "http://a/monitor-2024/03/1.2.gsm",
        "http://a/monitor-2024/03/monitor/1.2.gsm",
    )


@pytest.mark.parametrize("layout", list(Layout))
def test_each_layout_is_found_after_trying_the_earlier_ones_in_order(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path, layout: Layout
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes, layout=layout)

    path = source_for(pbx).fetch(APEX_ID, None, tmp_path)

    assert path == tmp_path / f"{APEX_ID}.gsm"
    assert path.read_bytes() == gsm_bytes
    assert pbx.requests == [LIVE, ARCHIVE, ARCHIVE_MONITOR][: layout.value + 1]
    assert leftovers(tmp_path) == [f"{APEX_ID}.gsm"]


def test_the_live_pbx_wins_when_every_layout_has_the_recording(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.LIVE)
    pbx.add_recording(APEX_ID, b"\xd0" * 33, layout=Layout.ARCHIVE)

    assert source_for(pbx).fetch(APEX_ID, None, tmp_path).read_bytes() == gsm_bytes
    assert pbx.requests == [LIVE]


def test_the_archive_month_comes_from_call_date_when_the_row_has_one(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    call_date = dt.date(2024, 12, 31)
    path = pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.ARCHIVE, call_date=call_date)

    source_for(pbx).fetch(APEX_ID, call_date, tmp_path)

    assert path == f"/monitor-2024/12/{APEX_ID}.gsm"
    assert pbx.requests[-1] == path


def test_when_every_url_is_404_then_recording_not_found_names_every_url(
    pbx: PbxStub, tmp_path: Path
) -> None:
    with pytest.raises(RecordingNotFoundError) as caught:
        source_for(pbx).fetch(APEX_ID, None, tmp_path)

    message = str(caught.value)
    assert message.startswith("RECORDING_NOT_FOUND: ")
    for path in (LIVE, ARCHIVE, ARCHIVE_MONITOR):
        assert f"{pbx.base_url()}{path} (HTTP 404)" in message
    assert pbx.requests == [LIVE, ARCHIVE, ARCHIVE_MONITOR]  # 404 is never retried
    assert leftovers(tmp_path) == []


# --- retries --------------------------------------------------------------------------------


def test_when_the_server_fails_twice_then_the_third_try_succeeds(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes)
    pbx.fault(LIVE, ServerError(times=2, status=503))

    assert source_for(pbx).fetch(APEX_ID, None, tmp_path).read_bytes() == gsm_bytes
    assert pbx.requests == [LIVE, LIVE, LIVE]


def test_when_a_url_keeps_failing_then_the_next_url_is_tried_after_the_retries(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.ARCHIVE)
    pbx.fault(LIVE, ServerError(times=100))

    assert source_for(pbx, attempts=3).fetch(APEX_ID, None, tmp_path).read_bytes() == gsm_bytes
    assert pbx.requests == [LIVE, LIVE, LIVE, ARCHIVE]


def test_when_failures_are_not_all_404_then_download_failed_says_what_happened_where(
    pbx: PbxStub, tmp_path: Path
) -> None:
    pbx.fault(LIVE, ServerError(times=100, status=502))

    with pytest.raises(DownloadFailedError) as caught:
        source_for(pbx, attempts=2).fetch(APEX_ID, None, tmp_path)

    error = caught.value
    assert error.code == "DOWNLOAD_FAILED" and not error.permanent
    assert f"{pbx.base_url()}{LIVE} (HTTP 502, after 2 tries)" in str(error)
    assert f"{pbx.base_url()}{ARCHIVE} (HTTP 404)" in str(error)
    assert pbx.requests == [LIVE, LIVE, ARCHIVE, ARCHIVE_MONITOR]


@pytest.mark.parametrize("status", [401, 403, 400])
def test_when_a_client_error_other_than_404_then_it_is_not_retried(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path, status: int
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.ARCHIVE_MONITOR)
    pbx.fault(LIVE, ServerError(times=100, status=status))

    source_for(pbx).fetch(APEX_ID, None, tmp_path)

    assert pbx.request_count(LIVE) == 1


def test_when_the_connection_is_reset_mid_body_then_it_is_retried_and_nothing_partial_is_kept(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes)
    pbx.fault(LIVE, ResetMidBody(after_bytes=1000))

    with pytest.raises(DownloadFailedError) as caught:
        source_for(pbx, attempts=2).fetch(APEX_ID, None, tmp_path)

    assert "connection error" in str(caught.value)
    assert pbx.request_count(LIVE) == 2
    assert leftovers(tmp_path) == []


def test_when_the_temp_disk_is_full_then_download_failed_without_trying_other_urls(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes)
    pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.ARCHIVE)
    # Writes to /dev/full fail with ENOSPC, as on a full TEMP_DIR.
    (tmp_path / f"{APEX_ID}.gsm.part").symlink_to("/dev/full")

    with pytest.raises(DownloadFailedError, match="No space left on device"):
        source_for(pbx).fetch(APEX_ID, None, tmp_path)

    assert pbx.requests == [LIVE]
    assert leftovers(tmp_path) == []


# --- timeouts -------------------------------------------------------------------------------


def test_when_the_server_does_not_answer_then_the_read_timeout_ends_each_try(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.ARCHIVE)
    pbx.fault(LIVE, SlowResponse(delay_s=60))
    started = time.monotonic()

    source_for(pbx, read_timeout_s=0.3, attempts=2).fetch(APEX_ID, None, tmp_path)

    # Bounded by the timeouts, not by the server's 60 s (a generous bound, not a benchmark).
    assert time.monotonic() - started < 15
    assert pbx.requests == [LIVE, LIVE, ARCHIVE]


def test_when_the_pbx_hangs_then_the_download_deadline_frees_the_slot(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    # Every URL answers nothing for a minute; each try alone would wait its read timeout, three
    # tries per URL: the deadline for all of them together ends it (issue 19, finding 4).
    pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.ARCHIVE)
    for url in (LIVE, ARCHIVE):
        pbx.fault(url, SlowResponse(delay_s=60))
    started = time.monotonic()

    with pytest.raises(DownloadFailedError) as caught:
        source_for(pbx, read_timeout_s=1.0, attempts=3, deadline_s=2.0).fetch(
            APEX_ID, None, tmp_path
        )

    took = time.monotonic() - started
    assert took < 6, took  # 3 URLs × 3 tries × 1 s read timeout would be 9 s and more
    assert "not tried: deadline" in str(caught.value) or "timeout" in str(caught.value)
    assert not caught.value.permanent  # retried later, not given up
    assert leftovers(tmp_path) == []


def test_when_the_body_drips_slowly_then_the_whole_download_is_cut_off(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    # Each chunk arrives well within the read timeout; only the total limit can stop this.
    pbx.add_recording(APEX_ID, gsm_bytes)
    pbx.fault(LIVE, SlowBody(delay_s=0.1, chunk_bytes=33))  # 100 chunks: 10 s
    started = time.monotonic()

    with pytest.raises(DownloadFailedError) as caught:
        source_for(pbx, read_timeout_s=2, total_timeout_s=0.5, attempts=1).fetch(
            APEX_ID, None, tmp_path
        )

    assert "download took longer than 0.5 s" in str(caught.value)
    assert time.monotonic() - started < 8
    assert leftovers(tmp_path) == []


def test_when_nothing_listens_then_connection_errors_are_retried_then_reported(
    tmp_path: Path,
) -> None:
    # A bound socket that never listens: connections are refused, and no other test can take
    # the port meanwhile.
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{reserved.getsockname()[1]}"
        source = PbxRecordingSource(
            f"{base}/callrec/", f"{base}/", attempts=2, backoff_s=0.01, connect_timeout_s=1
        )

        with pytest.raises(DownloadFailedError) as caught:
            source.fetch(APEX_ID, None, tmp_path)

    assert str(caught.value).count("connection error") == 3


# --- hostile or wrong answers ----------------------------------------------------------------


@pytest.mark.parametrize("announce_length", [True, False], ids=["content-length", "chunked"])
def test_when_the_body_is_larger_than_the_limit_then_it_is_cut_off(
    pbx: PbxStub, tmp_path: Path, announce_length: bool
) -> None:
    pbx.fault(LIVE, Oversized(size_bytes=5 * 1024**3, announce_length=announce_length))

    with pytest.raises(RecordingTooLargeError) as caught:
        source_for(pbx, max_bytes=100_000).fetch(APEX_ID, None, tmp_path)

    error = caught.value
    assert error.code == "DOWNLOAD_FAILED" and error.permanent
    expected = "more than the 100000-byte limit" if announce_length else "cut off at 100000 bytes"
    assert expected in str(error)
    assert pbx.request_count(LIVE) == 1  # the same file would be too large again
    assert leftovers(tmp_path) == []


def test_when_the_size_is_within_the_limit_then_it_is_downloaded(
    pbx: PbxStub, tmp_path: Path
) -> None:
    pbx.fault(LIVE, Oversized(size_bytes=99_990))

    assert source_for(pbx, max_bytes=100_000).fetch(APEX_ID, None, tmp_path).stat().st_size == (
        99_990
    )


def test_a_redirect_on_the_same_host_is_followed(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    pbx.put("/moved/recording.gsm", gsm_bytes)
    pbx.fault(LIVE, Redirect("/moved/recording.gsm", status=301))

    assert source_for(pbx).fetch(APEX_ID, None, tmp_path).read_bytes() == gsm_bytes
    assert pbx.requests == [LIVE, "/moved/recording.gsm"]


def test_a_redirect_to_another_host_is_refused(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path
) -> None:
    pbx.put("/internal/secret.gsm", gsm_bytes)
    foreign = f"{pbx.base_url('localhost')}/internal/secret.gsm"  # another host name
    pbx.fault(LIVE, Redirect(foreign))
    pbx.fault(ARCHIVE, Redirect("http://169.254.169.254/latest/meta-data/"))

    with pytest.raises(DownloadFailedError) as caught:
        source_for(pbx).fetch(APEX_ID, None, tmp_path)

    message = str(caught.value)
    assert f"redirect to another host refused: HTTP 302 to {foreign}" in message
    assert "to http://169.254.169.254/latest/meta-data/" in message
    assert "/internal/secret.gsm" not in pbx.requests
    assert pbx.request_count(LIVE) == 1  # not retried


@pytest.mark.parametrize(
    "location",
    [
        "//localhost:{port}/x.gsm",  # scheme-relative, other host
        "http://127.0.0.1:{port}@localhost:{port}/x.gsm",  # userinfo trick: the host is localhost
        "https://127.0.0.1:{port}/x.gsm",  # same host, other scheme
        "http://127.0.0.1:{other_port}/x.gsm",  # same host, other port
        "http://[::1",  # not a URL at all
    ],
)
def test_a_redirect_anywhere_but_the_same_origin_is_refused(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path, location: str
) -> None:
    pbx.put("/x.gsm", gsm_bytes)
    pbx.fault(LIVE, Redirect(location.format(port=pbx.port, other_port=pbx.port + 1)))
    pbx.fault(ARCHIVE, NotFound())

    with pytest.raises(DownloadFailedError, match=r"redirect to (another host refused|an invalid)"):
        source_for(pbx).fetch(APEX_ID, None, tmp_path)

    assert "/x.gsm" not in pbx.requests


def test_a_redirect_loop_is_stopped(pbx: PbxStub, tmp_path: Path) -> None:
    pbx.fault(LIVE, Redirect(LIVE))

    with pytest.raises(DownloadFailedError, match="more than 3 redirects"):
        source_for(pbx).fetch(APEX_ID, None, tmp_path)


@pytest.mark.parametrize(
    "content_type",
    ["text/html; charset=utf-8", "application/octet-stream"],
    ids=["html", "sniffed"],
)
def test_when_a_url_answers_200_with_an_html_page_then_the_next_url_is_tried(
    pbx: PbxStub, gsm_bytes: bytes, tmp_path: Path, content_type: str
) -> None:
    pbx.add_recording(APEX_ID, gsm_bytes, layout=Layout.ARCHIVE_MONITOR)
    pbx.fault(LIVE, HtmlPage(content_type=content_type))
    pbx.fault(ARCHIVE, NotFound())

    assert source_for(pbx).fetch(APEX_ID, None, tmp_path).read_bytes() == gsm_bytes
    assert pbx.requests == [LIVE, ARCHIVE, ARCHIVE_MONITOR]


def test_when_only_an_html_page_is_found_then_download_failed_says_so(
    pbx: PbxStub, tmp_path: Path
) -> None:
    pbx.fault(LIVE, HtmlPage())

    with pytest.raises(DownloadFailedError, match="HTML page, not a recording"):
        source_for(pbx).fetch(APEX_ID, None, tmp_path)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "apex_id",
    [
        "../../etc/passwd",
        "1737123456.12345/../../admin",
        "1737123456.12345?x=1",
        "1737123456.12345#",
        "1737123456.12345@evil.example",
        "@evil.example/1.2",
        "1737123456",
        "1737123456.",
        ".12345",
        "1.2.3",
        "1737123456.12345\n",
        " 1737123456.12345",
        "١٧٣٧١٢٣٤٥٦.١٢٣٤٥",  # Arabic-Indic digits match \d, not [0-9]
        "",
    ],
)
def test_a_hostile_apex_id_is_rejected_before_any_request(
    pbx: PbxStub, tmp_path: Path, apex_id: str
) -> None:
    with pytest.raises(InvalidApexIdError) as caught:
        source_for(pbx).fetch(apex_id, dt.date(2025, 1, 17), tmp_path)

    assert caught.value.permanent
    assert pbx.requests == []
    assert leftovers(tmp_path) == []


# --- TLS ------------------------------------------------------------------------------------


def _certificate_authority(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A throw-away CA and a certificate for 127.0.0.1 signed by it."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name("Angel test CA"))
        .issuer_name(name("Angel test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (
        directory / "ca.pem",
        directory / "cert.pem",
        directory / "key.pem",
    )
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    return server, ca_path


def test_tls_is_verified_and_an_untrusted_certificate_is_not_retried(
    gsm_bytes: bytes, tmp_path: Path
) -> None:
    server_context, ca_path = _certificate_authority(tmp_path)
    downloads = tmp_path / "downloads"
    with PbxStub(ssl_context=server_context) as pbx:
        pbx.add_recording(APEX_ID, gsm_bytes)
        assert pbx.recording_url.startswith("https://")

        # The system's CAs do not know our test CA: refused, and not retried.
        with pytest.raises(DownloadFailedError) as caught:
            source_for(pbx).fetch(APEX_ID, None, downloads)
        assert "TLS error" in str(caught.value)
        assert "after" not in str(caught.value)

        # Trusting the CA, the same server is fine.
        trusting = ssl.create_default_context(cafile=str(ca_path))
        path = source_for(pbx, verify=trusting).fetch(APEX_ID, None, downloads)
        assert path.read_bytes() == gsm_bytes
        assert pbx.requests == [LIVE]  # the refused handshakes never reached HTTP


def test_the_recording_source_takes_the_spec_variables(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        pbx_recording_url="https://pbx.example/callrec/",
        pbx_archive_url="https://archive.example/",
        download_connect_timeout_seconds=3,
        download_read_timeout_seconds=7,
        download_timeout_seconds=99,
        max_recording_bytes=1234,
        download_attempts=5,
        download_retry_backoff_seconds=0.5,
    )
    source = build_recording_source(settings)

    assert isinstance(source, RecordingSource)
    assert source.urls(APEX_ID, None)[0] == "https://pbx.example/callrec/1737123456.12345.gsm"
    assert (source.connect_timeout_s, source.read_timeout_s, source.total_timeout_s) == (3, 7, 99)
    assert (source.max_bytes, source.attempts, source.backoff_s) == (1234, 5, 0.5)
