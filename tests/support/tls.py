"""A self-signed certificate for loopback servers in tests (openssl, Debian's package).

cert, key = self_signed(tmp_path, "hub")     # hub.crt, hub.key; valid for 127.0.0.1
                                             # and localhost; it is its own CA
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def self_signed(directory: Path, name: str = "server") -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    try:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except FileNotFoundError:
        pytest.fail("openssl is missing: install the Debian package 'openssl'", pytrace=False)
    return cert, key
