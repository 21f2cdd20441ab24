"""The reading room's message catalogues: the messages its templates and code show, and the .po
sources of their Russian and Kazakh translations, brought up to date with them.

    python -m web.catalogues          # rewrite web/locales/messages.pot, update ru and kk
    python -m web.catalogues --check  # exit 1 when a message has no translation

New messages arrive in the .po files untranslated; translate them there (the room compiles
the .po files when it starts, there is no build step).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from web.language import DEFAULT, DOMAIN, LANGUAGES, LOCALES, po_path

WEB = Path(__file__).resolve().parent
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
METHODS = [("templates/**.html", "jinja2"), ("*.py", "python")]
# As web.templating builds its environments: newstyle gettext, whitespace trimmed.
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true",
                                 "trim_blocks": "true", "lstrip_blocks": "true",
                                 "newstyle_gettext": "true", "silent": "false"}}
TRANSLATED = [language for language in LANGUAGES if language != DEFAULT]


HEADER = "# Messages of the mediawatch reading room{}. `python -m web.catalogues` updates this file."


def new_catalog(language: str | None = None) -> Catalog:
    return Catalog(locale=language, domain=DOMAIN, project="mediawatch", version="0.1.0",
                   charset="utf-8", fuzzy=False,
                   header_comment=HEADER.format(f" in {language}" if language else ""))


def extract() -> Catalog:
    """Every message the templates and the web modules mark for translation."""
    catalog = new_catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
            WEB, METHODS, OPTIONS, strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def load(language: str) -> Catalog:
    """The .po source of a language as it stands."""
    with po_path(language).open("rb") as source:
        return read_po(source, locale=language, domain=DOMAIN)


def missing(template: Catalog, language: str) -> list[str]:
    """The messages with no translation (or a fuzzy one, or a plural form left empty)."""
    translated = load(language)
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = translated.get(message.id, message.context)
        strings = found.string if found else None
        forms = strings if isinstance(strings, tuple | list) else (strings,)
        if found is None or found.fuzzy or not all(forms) or (
                isinstance(message.id, tuple | list)
                and len(forms) != translated.num_plurals):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def update() -> None:
    """Rewrite the template and merge it into each language's .po source, keeping what is
    translated (messages no longer used are dropped)."""
    template = extract()
    _write(TEMPLATE, template)
    for language in TRANSLATED:
        catalog = load(language) if po_path(language).exists() else new_catalog(language)
        catalog.update(template, no_fuzzy_matching=True)
        _write(po_path(language), catalog)


def _write(path: Path, catalog: Catalog) -> None:
    """Write a catalogue unless only its dates would change (no churn in the history)."""
    out = io.BytesIO()
    write_po(out, catalog, width=100, include_lineno=False, ignore_obsolete=True)

    def undated(text: bytes) -> list[bytes]:
        return [line for line in text.splitlines() if b"-Date: " not in line]

    if path.exists() and undated(path.read_bytes()) == undated(out.getvalue()):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        template = extract()
        gaps = {language: missing(template, language) for language in TRANSLATED}
        for language, messages in gaps.items():
            for message in messages:
                print(f"{language}: no translation of {message!r}")
        return 1 if any(gaps.values()) else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
