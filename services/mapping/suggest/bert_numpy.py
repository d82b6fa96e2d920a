"""A NumPy forward pass of a sentence-transformers BERT with mean pooling (e.g. all-MiniLM-L6-v2).

Importing sentence-transformers costs several seconds (torch, transformers, sklearn…); this
module reads the same folder — tokenizer.json, model.safetensors, config.json — and computes
the same embeddings with NumPy alone, so a model loads in well under a second.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_DEFAULT_MAX_SEQ_LENGTH = 256
# Tokens per batch, padding included: hundreds of column names (a few tokens each) share one
# batch, which keeps the matrix products large enough to be efficient; 256-token texts go 16 at
# a time, so the attention scores stay ~50 MB.
_MAX_BATCH_TOKENS = 4096
_REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json")
# Added to the attention scores of padding: exp() of it is exactly 0 in float32, yet it is far
# enough from float32's limits that subtracting the row maximum never overflows.
_MASKED_SCORE = np.float32(-1e9)


class UnsupportedModel(ValueError):
    """The folder is not a BERT with mean pooling, so only sentence-transformers can run it."""


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _module_kind(module: dict[str, Any]) -> str:
    # Older folders say "sentence_transformers.models.Pooling", newer ones another package
    # path: the class name is what identifies the module.
    return str(module.get("type", "")).rsplit(".", 1)[-1]


def _transformer_folder(folder: Path) -> Path:
    """The folder holding the BERT itself, after checking the pipeline is Transformer→Pooling."""
    if not (folder / "modules.json").is_file():
        raise UnsupportedModel(
            f"{folder.name}: no modules.json (not a sentence-transformers folder)"
        )
    modules = _read_json(folder / "modules.json")
    kinds = [_module_kind(module) for module in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise UnsupportedModel(f"{folder.name}: modules {kinds}, not Transformer + Pooling")
    if _pooling_modes(folder / modules[1].get("path", "") / "config.json") != ["mean"]:
        raise UnsupportedModel(f"{folder.name}: pooling is not mean pooling alone")
    return folder / modules[0].get("path", "")


def _pooling_modes(path: Path) -> list[str]:
    config = _read_json(path) if path.is_file() else {}
    # Newer sentence-transformers write "pooling_mode": "mean"; older ones one flag per mode.
    mode = config.get("pooling_mode")
    if mode is not None:
        return [mode] if isinstance(mode, str) else list(mode)
    legacy = "pooling_mode_"
    return [
        key[len(legacy) :].removesuffix("_tokens")
        for key, value in config.items()
        if key.startswith(legacy) and value
    ]


def check_supported(folder: Path) -> None:
    """Raise `UnsupportedModel` (one line) unless this module can run the model in `folder`."""
    transformer = _transformer_folder(folder)
    missing = [name for name in _REQUIRED_FILES if not (transformer / name).is_file()]
    if missing:
        raise UnsupportedModel(f"{folder.name}: missing {', '.join(missing)}")
    config = _read_json(transformer / "config.json")
    if config.get("model_type") != "bert":
        raise UnsupportedModel(f"{folder.name}: model type {config.get('model_type')!r}, not bert")
    if config.get("hidden_act", "gelu") != "gelu":
        raise UnsupportedModel(f"{folder.name}: activation {config['hidden_act']!r}, not gelu")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise UnsupportedModel(f"{folder.name}: position embeddings are not absolute")


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's "gelu" is the exact erf form, not the tanh approximation (off by up to 1e-3).
    return 0.5 * x * (1.0 + _erf(x * np.float32(1.0 / math.sqrt(2.0))))


# Abramowitz & Stegun 7.1.26: erf within 1.5e-7, below float32's own rounding, in a few
# NumPy passes; scipy.special.erf costs as much as all of a layer's matrix products.
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736))
_ERF_A0 = np.float32(0.254829592)


def _erf(x: np.ndarray) -> np.ndarray:
    magnitude = np.abs(x)
    t = 1.0 / (1.0 + _ERF_P * magnitude)
    poly = _ERF_A[0] * t
    for coefficient in _ERF_A[1:]:
        poly += coefficient
        poly *= t
    poly += _ERF_A0
    poly *= t
    poly *= np.exp(-magnitude * magnitude)
    return np.copysign(1.0 - poly, x)


class NumpyBert:
    """A loaded BERT sentence encoder: `embed(texts)` returns L2-normalised float32 rows."""

    def __init__(self, folder: Path) -> None:
        check_supported(folder)
        transformer = _transformer_folder(folder)
        config = _read_json(transformer / "config.json")
        self.dimension = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._layers = int(config["num_hidden_layers"])
        self._weights = _load_weights(transformer / "model.safetensors", self._layers)
        sbert_path = transformer / "sentence_bert_config.json"
        sbert = _read_json(sbert_path) if sbert_path.is_file() else {}
        limit = int(sbert.get("max_seq_length") or _DEFAULT_MAX_SEQ_LENGTH)
        limit = min(limit, int(config.get("max_position_embeddings", limit)))
        self._lower_case = bool(sbert.get("do_lower_case", False))
        self._tokenizer, self._pad_id = _load_tokenizer(transformer / "tokenizer.json", limit)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 rows for `texts`, in their order."""
        # sentence-transformers strips (and, when configured, lower-cases) before tokenizing.
        cleaned = [text.strip().lower() if self._lower_case else text.strip() for text in texts]
        token_ids = [encoding.ids for encoding in self._tokenizer.encode_batch(cleaned)]
        vectors = np.empty((len(token_ids), self.dimension), dtype=np.float32)
        for batch in _batches(token_ids):
            vectors[batch] = self._embed_batch([token_ids[index] for index in batch])
        return vectors

    def _embed_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in token_ids)
        ids = np.full((len(token_ids), length), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(token_ids), length), dtype=np.float32)
        for row, row_ids in enumerate(token_ids):
            ids[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1.0
        hidden = self._forward(ids, mask)
        summed = np.einsum("btd,bt->bd", hidden, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, np.float32(1e-12))

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._weights
        length = ids.shape[1]
        hidden = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        hidden = self._norm(hidden, "embeddings.LayerNorm")
        additive_mask = ((1.0 - mask) * _MASKED_SCORE)[:, None, None, :]
        for index in range(self._layers):
            prefix = f"encoder.layer.{index}."
            attended = self._attention(hidden, additive_mask, prefix)
            hidden = self._norm(attended + hidden, prefix + "attention.output.LayerNorm")
            inner = _gelu(self._dense(hidden, prefix + "intermediate.dense"))
            output = self._dense(inner, prefix + "output.dense")
            hidden = self._norm(output + hidden, prefix + "output.LayerNorm")
        return hidden

    def _attention(self, hidden: np.ndarray, additive_mask: np.ndarray, prefix: str) -> np.ndarray:
        batch, length, width = hidden.shape
        head_width = width // self._heads
        # One matmul for query, key and value (fused at load), then split into heads.
        qkv = self._dense(hidden, prefix + "attention.self.qkv")
        qkv = qkv.reshape(batch, length, 3, self._heads, head_width).transpose(2, 0, 3, 1, 4)
        # Contiguous operands: NumPy hands stacked matmuls to BLAS only when they are.
        query = np.ascontiguousarray(qkv[0])
        key_t = np.ascontiguousarray(qkv[1].transpose(0, 1, 3, 2))
        value = np.ascontiguousarray(qkv[2])
        scores = query @ key_t
        scores *= np.float32(1.0 / math.sqrt(head_width))
        scores += additive_mask
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch, length, width)
        return self._dense(context, prefix + "attention.output.dense")

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        # As one 2-D matmul: a 3-D one is a loop of small ones, several times slower.
        flat = x.reshape(-1, x.shape[-1]) @ self._weights[name + ".weight_t"]
        flat += self._weights[name + ".bias"]
        return flat.reshape(*x.shape[:-1], flat.shape[-1])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(
            x, self._weights[name + ".weight"], self._weights[name + ".bias"], self._eps
        )


def _expected_weights(layers: int) -> list[str]:
    names = [f"embeddings.{part}_embeddings.weight" for part in ("word", "position", "token_type")]
    names += ["embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
    per_layer = [
        *(f"attention.self.{part}" for part in ("query", "key", "value")),
        "attention.output.dense",
        "attention.output.LayerNorm",
        "intermediate.dense",
        "output.dense",
        "output.LayerNorm",
    ]
    return names + [
        f"encoder.layer.{index}.{part}.{kind}"
        for index in range(layers)
        for part in per_layer
        for kind in ("weight", "bias")
    ]


def _load_weights(path: Path, layers: int) -> dict[str, np.ndarray]:
    """The tensors by their BertModel names, dense weights pre-transposed for `x @ W`."""
    from safetensors.numpy import load_file

    raw = load_file(str(path))
    # Checkpoints saved from BertForMaskedLM & co. prefix every name with "bert.".
    anchor = "embeddings.word_embeddings.weight"
    prefix = next((name[: -len(anchor)] for name in raw if name.endswith(anchor)), None)
    if prefix is None:
        raise UnsupportedModel(f"{path.parent.name}: no BERT word embeddings in the weights")
    weights = {
        name[len(prefix) :]: tensor.astype(np.float32, copy=False)
        for name, tensor in raw.items()
        # Not the pooler (sentence-transformers pools itself) nor integer buffers (position_ids).
        if name.startswith(prefix)
        and not name.startswith(prefix + "pooler.")
        and tensor.dtype.kind == "f"
    }
    missing = [name for name in _expected_weights(layers) if name not in weights]
    if missing:
        raise UnsupportedModel(f"{path.parent.name}: weight {missing[0]!r} is missing")
    for name in [name for name in weights if name.endswith("dense.weight")]:
        weights[name[: -len("weight")] + "weight_t"] = np.ascontiguousarray(weights.pop(name).T)
    for index in range(layers):
        prefix_ = f"encoder.layer.{index}."
        parts = [f"{prefix_}attention.self.{part}" for part in ("query", "key", "value")]
        fused = np.concatenate([weights.pop(part + ".weight") for part in parts], axis=0)
        weights[f"{prefix_}attention.self.qkv.weight_t"] = np.ascontiguousarray(fused.T)
        fused_bias = np.concatenate([weights.pop(part + ".bias") for part in parts])
        weights[f"{prefix_}attention.self.qkv.bias"] = fused_bias
    return weights


def _load_tokenizer(path: Path, max_length: int) -> tuple[Any, int]:
    """The tokenizer, truncating at `max_length` and not padding, and its padding id."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    pad_token = (tokenizer.padding or {}).get("pad_token", "[PAD]")
    pad_id = tokenizer.token_to_id(pad_token)
    # tokenizer.json may carry its own fixed padding/truncation (all-MiniLM-L6-v2's pads every
    # text to 128); sentence-transformers truncates at max_seq_length and pads to the batch,
    # which `_batches` and `_embed_batch` do here.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer, 0 if pad_id is None else pad_id


def _batches(token_ids: list[list[int]]) -> list[list[int]]:
    """Indexes of `token_ids` grouped into batches of similar length.

    A batch is padded to its longest text and attention costs the square of that length, so
    texts are taken shortest first and a batch closes before it would be mostly padding.
    """
    order = sorted(range(len(token_ids)), key=lambda index: len(token_ids[index]))
    batches: list[list[int]] = []
    real_tokens = 0
    for index in order:
        width = len(token_ids[index])  # the batch's longest so far: the order is by length
        padded = (len(batches[-1]) + 1) * width if batches else 0
        if batches and padded <= _MAX_BATCH_TOKENS and padded <= 2 * (real_tokens + width):
            batches[-1].append(index)
            real_tokens += width
        else:
            batches.append([index])
            real_tokens = width
    return batches
