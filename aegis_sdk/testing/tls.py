"""Throw-away TLS certificates for tests: a CA, a server certificate for the loopback
address, and a client certificate for mutual TLS. Needs the ``cryptography`` package.

    certs = make_certificates(tmp_path)
    server = NatsServer(config=json.dumps({"tls": certs.server_tls(verify_clients=True)}))
    await bus.connect(server.url, tls=certs.client_context(with_client_cert=True))
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VALID_FOR = datetime.timedelta(days=2)


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def server_tls(self, *, verify_clients: bool = False, timeout: float = 2.0) -> dict[str, Any]:
        """The ``tls`` block of a nats-server configuration (JSON is valid config syntax)."""
        block: dict[str, Any] = {
            "cert_file": str(self.server_cert),
            "key_file": str(self.server_key),
            "timeout": timeout,
        }
        if verify_clients:
            block.update(ca_file=str(self.ca), verify=True)
        return block

    def client_context(self, *, with_client_cert: bool = False) -> ssl.SSLContext:
        """A client context that trusts the test CA (and presents the client certificate)."""
        context = ssl.create_default_context(cafile=str(self.ca))
        if with_client_cert:
            context.load_cert_chain(str(self.client_cert), str(self.client_key))
        return context


def make_certificates(directory: Path, host: str = "127.0.0.1") -> Certificates:
    """Write a fresh CA, server and client certificate (PEM) into ``directory``."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:  # pragma: no cover - a dev dependency
        raise RuntimeError(
            "TLS test certificates need the cryptography package: pip install cryptography"
        ) from exc

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return path

    def write_cert(cert: x509.Certificate, path: Path) -> Path:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return path

    def key_usage(*, ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=True,
            key_cert_sign=ca,
            crl_sign=ca,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
        )

    def builder(subject: str, key, issuer: x509.Name, issuer_key, *, ca: bool):
        """With what a strict verifier (Python 3.13's default, VERIFY_X509_STRICT) requires of
        every certificate: critical basic constraints and key usage, key identifiers."""
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + VALID_FOR)
            .add_extension(
                x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True
            )
            .add_extension(key_usage(ca=ca), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("aegis test CA")
    ca_cert = builder("aegis test CA", ca_key, ca_name, ca_key, ca=True).sign(
        ca_key, hashes.SHA256()
    )

    def leaf(common: str, usage: x509.ObjectIdentifier, san: list[x509.GeneralName]):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            builder(common, key, ca_name, ca_key, ca=False)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        return cert, key

    server_san: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        server_san.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        server_san.append(x509.DNSName(host))
    server_cert, server_key = leaf("aegis test server", ExtendedKeyUsageOID.SERVER_AUTH, server_san)
    client_cert, client_key = leaf(
        "aegis test client", ExtendedKeyUsageOID.CLIENT_AUTH, [x509.DNSName("aegis-client")]
    )
    return Certificates(
        ca=write_cert(ca_cert, directory / "ca.pem"),
        server_cert=write_cert(server_cert, directory / "server-cert.pem"),
        server_key=write_key(server_key, directory / "server-key.pem"),
        client_cert=write_cert(client_cert, directory / "client-cert.pem"),
        client_key=write_key(client_key, directory / "client-key.pem"),
    )
