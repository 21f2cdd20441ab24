"""The local key that signs WACZ exports, made on first use, as the WACZ signing spec describes.

An anonymous signature (specs.webrecorder.net/wacz-auth/0.1.0): ECDSA over the ASCII text of
the `hash` of datapackage.json with SHA-256, the signature in IEEE P1363 form (r and s, as
WebCrypto gives it) and the public key as DER SubjectPublicKeyInfo, both base64. The curve is
P-384, the one ReplayWeb.page imports anonymous keys with, so that it checks these signatures too.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

CURVE = ec.SECP384R1
COORDINATE_BYTES = 48  # P-384: r and s are 48 bytes each in the P1363 form


class SigningError(Exception):
    """The key cannot be made, read or trusted; the message says why and what to do."""


def public_path(path: str | Path) -> Path:
    """Where the public part of a key is kept: beside it, with `.pub` added."""
    return Path(f"{path}.pub")


def load_or_create(path: str | Path) -> tuple[ec.EllipticCurvePrivateKey, bool]:
    """(the private key at `path`, whether it was made now). A new key is written with mode
    0600 in a folder made 0700; an existing key readable by others is refused, as ssh does."""
    path = Path(path)
    if path.exists():
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            raise SigningError(f"the signing key {path} can be read by other users (mode "
                               f"{mode:o}): chmod 600 {path}")
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError, OSError) as exc:
            raise SigningError(f"cannot read the signing key {path}: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, CURVE):
            raise SigningError(f"the signing key {path} is not an ECDSA P-384 key")
        return key, False
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = ec.generate_private_key(CURVE())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
        public_path(path).write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    except FileExistsError:  # another export made it meanwhile
        return load_or_create(path)
    except OSError as exc:
        raise SigningError(f"cannot make the signing key {path}: {exc.strerror or exc}") from None
    return key, True


def public_key_text(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    """The public key as the signature carries it: base64 of DER SubjectPublicKeyInfo."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def fingerprint(public_key_b64: str) -> str:
    """SHA-256 of the public key's DER bytes, hex: a short name to publish and compare."""
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()


def sign(key: ec.EllipticCurvePrivateKey, text: str) -> str:
    """The base64 P1363 signature (r then s) of `text` (ASCII) with SHA-256."""
    r, s = decode_dss_signature(key.sign(text.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    raw = r.to_bytes(COORDINATE_BYTES, "big") + s.to_bytes(COORDINATE_BYTES, "big")
    return base64.b64encode(raw).decode("ascii")


def signature_holds(public_key_b64: str, text: str, signature_b64: str) -> bool:
    """Whether `signature_b64` (P1363, base64) signs `text` under the given public key."""
    try:
        public = serialization.load_der_public_key(base64.b64decode(public_key_b64))
        raw = base64.b64decode(signature_b64)
        if not isinstance(public, ec.EllipticCurvePublicKey) or len(raw) % 2:
            return False
        half = len(raw) // 2
        der = encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                   int.from_bytes(raw[half:], "big"))
        public.verify(der, text.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
