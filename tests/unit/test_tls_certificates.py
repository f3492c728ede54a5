"""Test certificates: a CA, a server certificate for the loopback address, a client one."""

import json
import ssl

from aegis_sdk.testing import Certificates, make_certificates


def test_certificates_load_and_chain(tmp_path):
    certs = make_certificates(tmp_path / "certs")
    assert isinstance(certs, Certificates)
    for path in (certs.ca, certs.server_cert, certs.server_key, certs.client_cert):
        assert path.is_file() and path.read_bytes().startswith(b"-----BEGIN")
    assert certs.server_key.stat().st_mode & 0o077 == 0  # keys are private
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_cert, certs.server_key)  # the pair matches
    client = certs.client_context(with_client_cert=True)
    assert client.verify_mode == ssl.CERT_REQUIRED and client.check_hostname


def test_server_tls_block_is_config_text(tmp_path):
    certs = make_certificates(tmp_path)
    plain = certs.server_tls()
    assert plain["cert_file"] == str(certs.server_cert) and "verify" not in plain
    mutual = certs.server_tls(verify_clients=True)
    assert mutual["verify"] is True and mutual["ca_file"] == str(certs.ca)
    json.dumps({"tls": mutual})  # JSON is valid nats-server config


def test_each_call_makes_a_new_ca(tmp_path):
    a = make_certificates(tmp_path / "a")
    b = make_certificates(tmp_path / "b")
    assert a.ca.read_bytes() != b.ca.read_bytes()


def _handshake(client: ssl.SSLContext, server: ssl.SSLContext) -> None:
    """A TLS handshake in memory: raises ssl.SSLError when either side rejects the other."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname="127.0.0.1")
    s = server.wrap_bio(s_in, s_out, server_side=True)
    done = {c: False, s: False}
    for _ in range(20):
        for side in (c, s):
            if not done[side]:
                try:
                    side.do_handshake()
                    done[side] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            return
    raise AssertionError("the handshake did not finish")


def test_chain_passes_strict_verification_both_ways(tmp_path):
    """Python 3.13 verifies with VERIFY_X509_STRICT by default; set it on every Python."""
    certs = make_certificates(tmp_path)
    client = certs.client_context(with_client_cert=True)
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_cert, certs.server_key)
    server.load_verify_locations(certs.ca)
    server.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: the client certificate too
    server.verify_flags |= ssl.VERIFY_X509_STRICT
    _handshake(client, server)
