from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from languages.backends import PackageInvalid, argos_package_install
from languages.demo import translations_refresh_all


class Command(BaseCommand):
    help = "Install an Argos Translate package (PATH.argosmodel) for offline machine translation."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("path", type=Path)

    def handle(self, *args: object, path: Path, **options: object) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            installed = argos_package_install(path=path)
        except PackageInvalid as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Installed {installed.name} into {installed.parent}")
        refreshed = translations_refresh_all()
        self.stdout.write(f"Re-translated {refreshed} cached steps that were not translated yet.")
