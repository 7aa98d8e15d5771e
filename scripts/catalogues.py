"""The translation catalogues: compile them, and check they cover what the code marks.

    .venv/bin/python manage.py makemessages -l fr --no-location --no-obsolete \
        --ignore=.venv --ignore=tests --ignore=benchmarks --ignore=scripts
    (translate the new entries of locale/fr/LC_MESSAGES/django.po)
    .venv/bin/python scripts/catalogues.py compile
    .venv/bin/python scripts/catalogues.py check

`makemessages` needs GNU gettext (`apt install gettext`), a translator's tool;
compiling uses Babel, pure Python, so no machine needs gettext to build the
`.mo` files, which are committed: a fresh install and production read them as
they are (ADR 0027). `check` lists every message the templates and code mark
that the French catalogue lacks or leaves untranslated, and whether the
committed `.mo` matches its `.po`; the test suite runs the same checks.
"""

import ast
import gettext
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
LANGUAGES = ("fr",)
# Where our own marked strings live; the rest (the virtualenv, tests, scripts) is not shipped text.
SOURCE_DIRS = ("config", "marketplace", "recommendations", "newsletter", "experiments", "metrics",
               "storefront", "api", "simulation", "templates")  # fmt: skip
SINGULAR = {"gettext", "gettext_lazy", "gettext_noop", "_"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}
TEMPLATE_CALL = re.compile(r"\b(?:n?p?gettext|_)\(")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def catalog_read(language: str) -> Catalog:
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language)


def catalog_compile(language: str) -> Path:
    """Write the `.mo` next to the `.po`; fuzzy entries are left out, as msgfmt does."""
    mo_path = po_path(language).with_suffix(".mo")
    with mo_path.open("wb") as mo:
        write_mo(mo, catalog_read(language), use_fuzzy=False)
    return mo_path


def message_key(call: ast.Call) -> tuple[str | None, str] | None:
    """(context, msgid) of a gettext-family call with literal arguments, else None."""
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    literals = [arg.value if isinstance(arg, ast.Constant) else None for arg in call.args]
    if name in SINGULAR | PLURAL and literals and isinstance(literals[0], str):
        return None, literals[0]
    if name in CONTEXT | CONTEXT_PLURAL and len(literals) > 1 and isinstance(literals[1], str):
        return literals[0], literals[1]
    return None


def python_messages(source: str) -> Iterator[tuple[str | None, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and (key := message_key(node)):
            yield key


def template_messages(source: str) -> Iterator[tuple[str | None, str]]:
    """The messages of a template, read from Django's own `templatize` (what makemessages
    hands to xgettext): each gettext call is parsed as the Python it is."""
    from django.utils.translation.template import templatize

    for line in templatize(source).splitlines():
        for match in TEMPLATE_CALL.finditer(line):
            rest = line[match.start() :]
            # The call ends at one of the closing parentheses: the first that parses.
            for end in (i + 1 for i, char in enumerate(rest) if char == ")"):
                try:
                    yield from python_messages(rest[:end])
                    break
                except SyntaxError:
                    continue


def marked_messages() -> dict[tuple[str | None, str], str]:
    """Every message the shipped code and templates mark, with one file that marks it."""
    found: dict[tuple[str | None, str], str] = {}
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*")):
            if "migrations" in path.parts:
                continue
            if path.suffix == ".py":
                keys = python_messages(path.read_text())
            elif path.suffix in {".html", ".txt"} and "templates" in path.parts:
                keys = template_messages(path.read_text())
            else:
                continue
            for key in keys:
                found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def untranslated(language: str) -> list[str]:
    """Marked messages the catalogue lacks, leaves empty or marks fuzzy, one line each."""
    catalog = catalog_read(language)
    problems = []
    for (context, msgid), where in sorted(marked_messages().items(), key=lambda i: i[1]):
        message = catalog.get(msgid, context=context)
        strings = message.string if message else None
        if isinstance(strings, str):
            strings = (strings,)
        if message is None or message.fuzzy or not strings or not all(strings):
            problems.append(f"{where}: {msgid!r}" + (f" (context {context!r})" if context else ""))
    return problems


def compiled_is_stale(language: str) -> bool:
    """Whether the committed `.mo` says something else than its `.po`."""
    mo_path = po_path(language).with_suffix(".mo")
    if not mo_path.exists():
        return True
    with mo_path.open("rb") as mo:
        committed = gettext.GNUTranslations(mo)._catalog
    fresh_path = mo_path.with_suffix(".check.mo")
    try:
        with fresh_path.open("wb") as fresh:
            write_mo(fresh, catalog_read(language), use_fuzzy=False)
        with fresh_path.open("rb") as fresh:
            expected = gettext.GNUTranslations(fresh)._catalog
    finally:
        fresh_path.unlink(missing_ok=True)
    return committed != expected


def main(command: str) -> int:
    import django

    sys.path.insert(0, str(ROOT))
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    if command == "compile":
        for language in LANGUAGES:
            print(f"compiled {catalog_compile(language).relative_to(ROOT)}")
        return 0
    if command == "check":
        failures = 0
        for language in LANGUAGES:
            for problem in untranslated(language):
                print(f"[{language}] untranslated: {problem}")
                failures += 1
            if compiled_is_stale(language):
                print(f"[{language}] the .mo is older than the .po: run `compile`")
                failures += 1
        return 1 if failures else 0
    print("usage: scripts/catalogues.py compile|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
