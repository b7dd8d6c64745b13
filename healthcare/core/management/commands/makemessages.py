"""Django's makemessages, which also fills new strings from a compendium of translations
made ahead of the code (`locale/<language>/compendium.po`, when there is one): msgmerge's
--compendium. Strings of work not merged yet can be translated beforehand, so that
`make messages` after the merge finds them done (docs/translations.md)."""

from pathlib import Path

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    def write_po_file(self, potfile, locale):
        compendium = Path(potfile).parent / locale / "compendium.po"
        options = list(makemessages.Command.msgmerge_options)
        if compendium.exists():
            options.append(f"--compendium={compendium}")
        self.msgmerge_options = options
        super().write_po_file(potfile, locale)
