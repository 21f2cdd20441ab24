"""The secrets file: receivers' full addresses, kept outside the archive, readable by its owner only.

A watch stores in the archive only a redacted address and a random reference; the full address
(with its passwords and tokens) is in this JSON file under that reference. The file and its
folder are made readable by their owner only (0600 and 0700), every change replaces it whole
(a temporary file renamed over it), and writers take a lock beside it.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SecretsError(OSError):
    """The secrets file cannot be read or written; the message says which file and why."""


def new_reference() -> str:
    """A fresh reference for a watch's secret: random, so it tells nothing about the secret."""
    return secrets.token_hex(16)


class SecretStore:
    """A JSON file of `{"secrets": {reference: address}}`, owner-only."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def get(self, reference: str | None) -> str | None:
        """The address kept under `reference`, or None when there is none (or no file)."""
        if not reference:
            return None
        return self._read().get(reference)

    def put(self, reference: str, address: str) -> None:
        with self._locked():
            entries = self._read()
            entries[reference] = address
            self._write(entries)

    def remove(self, reference: str | None) -> None:
        if not reference:
            return
        with self._locked():
            entries = self._read()
            if entries.pop(reference, None) is not None:
                self._write(entries)

    def _read(self) -> dict[str, str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretsError(f"cannot read the secrets file {self.path}: "
                               f"{exc.strerror or exc}") from None
        try:
            entries = json.loads(text)["secrets"]
        except (ValueError, KeyError, TypeError):
            raise SecretsError(f"the secrets file {self.path} is not one mediawatch wrote") from None
        return dict(entries)

    def _write(self, entries: dict[str, str]) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump({"secrets": entries}, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise SecretsError(f"cannot write the secrets file {self.path}: "
                               f"{exc.strerror or exc}") from None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle = open(self.path.with_name(f".{self.path.name}.lock"), "a")  # noqa: SIM115
        except OSError as exc:
            raise SecretsError(f"cannot write the secrets file {self.path}: "
                               f"{exc.strerror or exc}") from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
