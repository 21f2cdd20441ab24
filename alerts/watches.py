"""Adding and removing watches: the receiver checked, its full address kept in the secrets file
and only a redacted form (scheme and host) in the archive."""

from __future__ import annotations

from sqlite_utils import Database

from alerts.receivers import private_url, redacted_url, refused_target, valid_url
from storage import watches as store
from storage.secrets import SecretsError, SecretStore, new_reference


class ReceiverRefused(ValueError):
    """A receiver URL that cannot be used; the message says why and what to do."""


def check_receiver(url: str, allow_private: bool) -> None:
    """Raise ReceiverRefused for a URL Apprise does not know, or one that points at a private,
    loopback or link-local address without the allowance."""
    if not valid_url(url):
        raise ReceiverRefused(f"--notify {url!r} is not a notification URL Apprise knows "
                              "(see https://github.com/caronc/apprise/wiki)")
    problem = None if allow_private else refused_target(url)
    if problem:
        raise ReceiverRefused(f"--notify {redacted_url(url)}: {problem}")


def add_watch(db: Database, secrets: SecretStore, name: str, url: str, kinds: list[str],
              language: str | None, query: str | None, digest: str | None,
              allow_private: bool = False, outlets: tuple[str | None, ...] = ()) -> dict:
    """Check the receiver, keep its address in the secrets file, store the watch (raises
    storage.watches.WatchExists for a name taken); `outlets` as articles store them."""
    check_receiver(url, allow_private)
    reference = new_reference()
    secrets.put(reference, url)
    try:
        return store.add_watch(db, name, redacted_url(url), kinds, language, query, digest,
                               secret_ref=reference, allow_private=allow_private,
                               outlets=outlets)
    except BaseException:
        secrets.remove(reference)
        raise


def remove_watch(db: Database, secrets: SecretStore, name: str) -> bool:
    """Remove a watch, its deliveries and its secret; False when there is none of that name."""
    removed = store.remove_watch(db, name)
    if removed is None:
        return False
    secrets.remove(removed.get("secret_ref"))
    return True


def receiver_address(secrets: SecretStore, watch: dict) -> str | None:
    """The watch's full receiver address: from the secrets file, or the archive's own column
    for a watch whose address was not moved out yet."""
    if watch.get("secret_ref") is None:
        return watch["notify_url"]
    return secrets.get(watch["secret_ref"])


def shown_receiver(secrets: SecretStore, watch: dict) -> str:
    """The receiver as listings show it: Apprise's form with secrets hidden when the full
    address is at hand, else the redacted one the archive keeps."""
    try:
        address = receiver_address(secrets, watch)
    except SecretsError:
        address = None
    return private_url(address) if address else watch["notify_url"]
