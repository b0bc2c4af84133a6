"""Completion generators behind one interface (``CompletionGenerator``), chosen by ``build_generator``.

base        GeneratedCompletion, the protocol, first-sentence clean-up
factory     build_generator: the generator of a kind
story       offline: completions composed from the synthetic story world, injurious at a known rate
hf          a Hugging Face causal LM from a local directory (an s3:// prefix is materialised first)
http        an OpenAI-compatible ``/v1/completions`` endpoint (vLLM, TGI, llama.cpp server, ...)
"""

from ml_worker.core.generation.base import (
    CompletionGenerator,
    GeneratedCompletion,
    GeneratorError,
    sample_seed,
)
from ml_worker.core.generation.factory import build_generator

__all__ = ["CompletionGenerator", "GeneratedCompletion", "GeneratorError", "build_generator", "sample_seed"]
