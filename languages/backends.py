"""Machine translation backends, tried in order: argostranslate packages, LibreTranslate, an OpenAI-compatible
endpoint. None configured → no machine translation; the caller keeps the English text and marks it.

Argos packages are read with argostranslate's own package format and tokenizer and run on CTranslate2
directly: `argostranslate.translate` imports stanza (and so torch) and its sentence splitter downloads a
model on first use; we split sentences ourselves, so neither is needed.
"""

import json
import logging
import shutil
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import httpx
from django.conf import settings

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "pl": "Polish", "vi": "Vietnamese", "pt": "Portuguese"}


class BackendError(Exception):
    """The backend could not translate; the next one is tried."""


class Backend(Protocol):
    name: str

    def supports(self, source: str, target: str) -> bool: ...

    def translate(self, sentences: list[str], *, source: str, target: str) -> list[str]: ...


# --- argostranslate ----------------------------------------------------------------------------


class PackageInvalid(Exception):
    pass


def argos_package_install(*, path: Path, packages_dir: Path | None = None) -> Path:
    """Unpack a `.argosmodel` file (a zip with one top folder holding metadata.json and model/) into the
    packages dir, replacing an older copy. Returns the installed folder."""
    packages_dir = packages_dir or settings.ARGOS_PACKAGES_DIR
    if not zipfile.is_zipfile(path):
        raise PackageInvalid(f"{path.name} is not an Argos package (it must be a .argosmodel zip file).")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        tops = {name.split("/", 1)[0] for name in names}
        if len(tops) != 1 or any(name.startswith("/") or ".." in name.split("/") for name in names):
            raise PackageInvalid(f"{path.name} must hold exactly one top folder and no absolute paths.")
        top = tops.pop()
        if f"{top}/metadata.json" not in names or not any(n.startswith(f"{top}/model/") for n in names):
            raise PackageInvalid(f"{path.name} has no metadata.json or model/ folder.")
        metadata = json.loads(archive.read(f"{top}/metadata.json"))
        if not metadata.get("from_code") or not metadata.get("to_code"):
            raise PackageInvalid(f"{path.name}: metadata.json must name from_code and to_code.")
        packages_dir.mkdir(parents=True, exist_ok=True)
        target = packages_dir / top
        if target.exists():
            shutil.rmtree(target)
        archive.extractall(packages_dir)
    _argos_packages.cache_clear()
    _argos_translator.cache_clear()
    return target


@dataclass(frozen=True)
class ArgosPackage:
    path: Path
    from_code: str
    to_code: str
    target_prefix: str


@lru_cache(maxsize=4)
def _argos_packages(packages_dir: Path) -> tuple[ArgosPackage, ...]:
    if not packages_dir.is_dir():
        return ()
    found = []
    for folder in sorted(packages_dir.iterdir()):
        metadata_file = folder / "metadata.json"
        if folder.is_dir() and metadata_file.exists() and (folder / "model").is_dir():
            metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
            found.append(
                ArgosPackage(
                    folder, metadata["from_code"], metadata["to_code"], metadata.get("target_prefix", "")
                )
            )
    return tuple(found)


@lru_cache(maxsize=8)
def _argos_translator(model_dir: str) -> Any:
    import ctranslate2

    return ctranslate2.Translator(model_dir, device="cpu", inter_threads=1, intra_threads=1)


class ArgosBackend:
    name = "argos"

    def __init__(self, packages_dir: Path) -> None:
        self.packages_dir = packages_dir

    def _package(self, source: str, target: str) -> ArgosPackage | None:
        return next(
            (p for p in _argos_packages(self.packages_dir) if p.from_code == source and p.to_code == target),
            None,
        )

    def supports(self, source: str, target: str) -> bool:
        return self._package(source, target) is not None

    def translate(self, sentences: list[str], *, source: str, target: str) -> list[str]:
        package = self._package(source, target)
        if package is None:
            raise BackendError(f"no argos package {source}→{target}")
        try:
            from argostranslate.package import Package
        except ImportError as error:  # the `translate` extra is not installed
            raise BackendError(f"argostranslate is not installed: {error}") from error
        tokenizer = Package(package.path).tokenizer
        batch = [tokenizer.encode(sentence) for sentence in sentences]
        prefix = [[package.target_prefix] for _ in batch] if package.target_prefix else None
        results = _argos_translator(str(package.path / "model")).translate_batch(
            batch,
            target_prefix=prefix,
            beam_size=2,
            max_decoding_length=max(16, 3 * max(len(tokens) for tokens in batch)),
        )
        out = []
        for result in results:
            tokens = result.hypotheses[0]
            if package.target_prefix and tokens[:1] == [package.target_prefix]:
                tokens = tokens[1:]
            out.append(tokenizer.decode(tokens).strip())
        return out


# --- HTTP backends -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _http() -> httpx.Client:
    """One pooled client for every translation call (timeouts are set per request)."""
    return httpx.Client()


class LibreTranslateBackend:
    name = "libretranslate"

    def __init__(self, url: str, api_key: str, timeout: float) -> None:
        self.url, self.api_key, self.timeout = url.rstrip("/"), api_key, timeout

    def supports(self, source: str, target: str) -> bool:
        return True

    def translate(self, sentences: list[str], *, source: str, target: str) -> list[str]:
        payload: dict[str, Any] = {"q": sentences, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        try:
            response = _http().post(f"{self.url}/translate", json=payload, timeout=self.timeout)
            response.raise_for_status()
            translated = response.json()["translatedText"]
        except (httpx.HTTPError, KeyError, ValueError) as error:
            raise BackendError(f"LibreTranslate: {error}") from error
        if isinstance(translated, str):
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != len(sentences):
            raise BackendError("LibreTranslate returned a different number of sentences")
        return [str(t) for t in translated]


class OpenAICompatibleBackend:
    name = "openai"

    def __init__(self, url: str, model: str, api_key: str, timeout: float) -> None:
        self.url, self.model, self.api_key, self.timeout = url.rstrip("/"), model, api_key, timeout

    def supports(self, source: str, target: str) -> bool:
        return True

    def translate(self, sentences: list[str], *, source: str, target: str) -> list[str]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        system = (
            f"You translate shop-floor work instructions from {LANGUAGE_NAMES.get(source, source)} to "
            f"{LANGUAGE_NAMES.get(target, target)}. Translate the user's sentence only. Keep every number, "
            "unit, code and placeholder like [T0] exactly as written. Answer with the translation alone."
        )
        out = []
        for sentence in sentences:
            body = {
                "model": self.model,
                "temperature": 0,
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": sentence}],
            }
            try:
                response = _http().post(
                    f"{self.url}/chat/completions", json=body, headers=headers, timeout=self.timeout
                )
                response.raise_for_status()
                out.append(str(response.json()["choices"][0]["message"]["content"]).strip())
            except (httpx.HTTPError, KeyError, IndexError, ValueError) as error:
                raise BackendError(f"OpenAI-compatible endpoint: {error}") from error
        return out


def backends_configured() -> list[Backend]:
    """The configured backends, in the order they are tried."""
    found: list[Backend] = [ArgosBackend(Path(settings.ARGOS_PACKAGES_DIR))]
    if settings.LIBRETRANSLATE_URL:
        found.append(
            LibreTranslateBackend(
                settings.LIBRETRANSLATE_URL,
                settings.LIBRETRANSLATE_API_KEY,
                settings.TRANSLATION_TIMEOUT_SECONDS,
            )
        )
    if settings.TRANSLATION_LLM_URL:
        found.append(
            OpenAICompatibleBackend(
                settings.TRANSLATION_LLM_URL,
                settings.TRANSLATION_LLM_MODEL,
                settings.TRANSLATION_LLM_API_KEY,
                settings.TRANSLATION_TIMEOUT_SECONDS,
            )
        )
    return found


def machine_translate(sentences: list[str], *, source: str, target: str) -> tuple[list[str], str] | None:
    """(translations, backend name) from the first backend that manages, or None."""
    for backend in backends_configured():
        if not backend.supports(source, target):
            continue
        try:
            return backend.translate(sentences, source=source, target=target), backend.name
        except BackendError as error:
            log.warning("translation backend %s failed: %s", backend.name, error)
    return None
