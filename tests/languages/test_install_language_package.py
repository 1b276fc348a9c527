"""The real argostranslate path: a tiny package built here, installed by the command, translating."""

import zipfile

import pytest
from django.core.management import CommandError, call_command

from instructions.publishing import version_publish
from languages.models import StepTranslation, TranslationReview
from languages.pipeline import text_translate
from tests.actors import at, make_employee, start, station_client

pytest.importorskip(
    "argostranslate.package", reason="argostranslate is not installed (make test installs it)"
)
pytest.importorskip("ctranslate2")

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tiny_package(tmp_path_factory):
    from tests.languages.argos_tiny import argos_tiny_package

    return argos_tiny_package(tmp_path_factory.mktemp("argos-build"))


class TestInstallLanguagePackage:
    def test_it_installs_a_package_and_translates_with_it_offline(self, settings, tiny_package, capsys):
        call_command("install_language_package", str(tiny_package))
        assert (settings.ARGOS_PACKAGES_DIR / "translate-en_es" / "model" / "model.bin").exists()
        assert "Installed translate-en_es" in capsys.readouterr().out
        result = text_translate(text="Check the die before you start.", target="es")
        assert result.machine and result.segments[0].note == "argos"
        assert result.text.startswith("hola hola")  # the tiny model only knows one word

    def test_it_keeps_numbers_safe_even_from_a_real_engine(self, tiny_package):
        call_command("install_language_package", str(tiny_package))
        result = text_translate(text="Torque the bolts to 180 N·m.", target="es")
        assert result.text == "Torque the bolts to 180 N·m." and result.flagged

    def test_it_marks_machine_translated_steps_at_the_station_until_approved(self, plant, tiny_package):
        call_command("install_language_package", str(tiny_package))
        spanish = make_employee("520001", language="es")
        from tests.actors import certify

        certify(spanish, plant.instruction.operation.required_certification, "certified", 100)
        client = station_client(plant.station, spanish)
        page = client.get(at(start(client, "WO-1-10"), 4)).content.decode()
        assert 'data-testid="mark-machine"' in page and "hola" in page
        assert StepTranslation.objects.filter(language="es", machine=True).exists()
        assert TranslationReview.objects.filter(language="es", backend="argos").exists()

    def test_it_refuses_a_file_that_is_not_a_package(self, tmp_path):
        bogus = tmp_path / "notes.argosmodel"
        bogus.write_text("not a zip")
        with pytest.raises(CommandError, match="not an Argos package"):
            call_command("install_language_package", str(bogus))

    def test_it_refuses_a_package_that_escapes_its_folder(self, tmp_path):
        evil = tmp_path / "evil.argosmodel"
        with zipfile.ZipFile(evil, "w") as zf:
            zf.writestr("pkg/metadata.json", "{}")
            zf.writestr("pkg/../../outside.txt", "x")
        with pytest.raises(CommandError, match="one top folder"):
            call_command("install_language_package", str(evil))

    def test_it_reports_a_missing_file_clearly(self, tmp_path):
        with pytest.raises(CommandError, match="No such file"):
            call_command("install_language_package", str(tmp_path / "missing.argosmodel"))


def test_it_is_used_when_a_version_is_published(plant, tiny_package, django_capture_on_commit_callbacks):
    call_command("install_language_package", str(tiny_package))
    make_employee("530001", language="es")
    steps = [s.content() for s in plant.version.steps.all()]
    with django_capture_on_commit_callbacks(execute=True):
        version = version_publish(
            instruction=plant.instruction,
            steps=steps,
            change_note="same",
            published_by=None,
            base_version=plant.version,
        )
    assert StepTranslation.objects.filter(version=version, language="es").count() == 4
