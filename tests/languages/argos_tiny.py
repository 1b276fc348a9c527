"""Build a tiny but valid Argos Translate package (.argosmodel) in seconds, offline.

A sentencepiece model trained on a small corpus + a randomly initialised one-layer Marian transformer
(written as Marian's .npz) converted with CTranslate2's Marian converter, zipped with metadata.json.
The output bias favours one piece, so the "translation" is a predictable run of that word: nonsense, but
it goes through the real install and translate path.
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np

CORPUS = [
    "Keep the die clean and check the bolts before you start.",
    "Torque the clamp bolts to the value on the sheet.",
    "Hola, revise el troquel y apriete los tornillos.",
    "Measure the hole and record the reading in the system.",
    "Reset the light curtain and test it with the rod.",
    "Run the first piece and set it aside for inspection.",
] * 20


def _vocab_yaml(pieces: list[str]) -> str:
    return "".join(
        f"{json.dumps(piece, ensure_ascii=False)}: {index}\n" for index, piece in enumerate(pieces)
    )


def _marian_npz(
    path: Path, vocab_size: int, favour: int, dim: int = 16, ffn: int = 32, heads: int = 2
) -> None:
    rng = np.random.default_rng(7)

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    weights: dict[str, np.ndarray] = {"Wemb": w(vocab_size, dim)}

    def layer_norm(scope: str) -> None:
        weights[f"{scope}_ln_scale"] = np.ones((1, dim), np.float32)
        weights[f"{scope}_ln_bias"] = np.zeros((1, dim), np.float32)

    def attention(scope: str) -> None:
        for name in "qkvo":
            weights[f"{scope}_W{name}"] = w(dim, dim)
            weights[f"{scope}_b{name}"] = np.zeros((1, dim), np.float32)
        layer_norm(f"{scope}_Wo")

    def feed_forward(scope: str) -> None:
        weights[f"{scope}_W1"], weights[f"{scope}_b1"] = w(dim, ffn), np.zeros((1, ffn), np.float32)
        weights[f"{scope}_W2"], weights[f"{scope}_b2"] = w(ffn, dim), np.zeros((1, dim), np.float32)
        layer_norm(f"{scope}_ffn")

    attention("encoder_l1_self")
    feed_forward("encoder_l1_ffn")
    attention("decoder_l1_self")
    attention("decoder_l1_context")
    feed_forward("decoder_l1_ffn")
    bias = np.zeros((1, vocab_size), np.float32)
    bias[0, favour] = 50.0
    weights["decoder_ff_logit_out_b"] = bias
    config = (
        f"type: transformer\nenc-depth: 1\ndec-depth: 1\ntransformer-heads: {heads}\n"
        "transformer-ffn-activation: relu\ntransformer-preprocess: ''\ntransformer-postprocess: dan\n"
        "transformer-postprocess-emb: d\ntransformer-decoder-autoreg: self-attention\n"
        "transformer-no-projection: false\ntransformer-guided-alignment-layer: last\n"
    )
    weights["special:model.yml"] = np.frombuffer(config.encode() + b"\0", dtype=np.int8)
    np.savez(path, **weights)


def argos_tiny_package(
    workdir: Path, *, from_code: str = "en", to_code: str = "es", word: str = "hola"
) -> Path:
    """Write `workdir/translate-<from>_<to>.argosmodel` and return its path."""
    import ctranslate2
    import sentencepiece as spm

    workdir.mkdir(parents=True, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS),
        model_writer=model,
        vocab_size=60,
        model_type="unigram",
        character_coverage=1.0,
        minloglevel=2,
        user_defined_symbols=[f"▁{word}"],
        bos_id=-1,
        pad_id=-1,
        unk_id=1,
        eos_id=0,
        unk_piece="<unk>",
        eos_piece="</s>",
    )
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocab = workdir / "vocab.yml"
    vocab.write_text(_vocab_yaml(pieces), encoding="utf-8")
    npz = workdir / "model.npz"
    _marian_npz(npz, len(pieces), favour=pieces.index(f"▁{word}"))
    name = f"translate-{from_code}_{to_code}"
    package_dir = workdir / name
    ctranslate2.converters.MarianConverter(str(npz), [str(vocab)]).convert(
        str(package_dir / "model"), force=True
    )
    (package_dir / "sentencepiece.model").write_bytes(model.getvalue())
    (package_dir / "metadata.json").write_text(
        json.dumps(
            {
                "package_version": "0.0.1",
                "argos_version": "1.11",
                "from_code": from_code,
                "from_name": "English",
                "to_code": to_code,
                "to_name": "Spanish",
                "type": "translate",
            }
        )
    )
    archive = workdir / f"{name}.argosmodel"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in sorted(package_dir.rglob("*")):
            zf.write(file, file.relative_to(workdir))
    return archive
