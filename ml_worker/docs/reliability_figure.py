"""The README's reliability figure, from the pure core on a simulated population (no database):
``.venv/bin/python ml_worker/docs/reliability_figure.py ml_worker/docs``."""

import sys

sys.path.insert(0, "platform")
sys.path.insert(0, ".")
from pathlib import Path

import numpy as np

from ml_worker.core.reliability import plots
from ml_worker.core.reliability.rejection import PromptSamples
from ml_worker.core.reliability.simulate import prompt_population, sample_prompts
from ml_worker.core.reliability.stratified import allocate_labels, draw_stratified_sample, score_strata
from ml_worker.core.reliability.sweep import LabelledSet, threshold_sweep

pop = prompt_population(20000, 10, rejection=0.5, seed=0)
rng = np.random.default_rng(1)
idx = sample_prompts(pop, 2000, 5, rng)
test = PromptSamples(pop.prompt_ids[idx], pop.scores[idx], pop.labels[idx])
design = score_strata(pop.scores, pop.threshold, pass_tails=(0.05,), reject_strata=3)
strata = design.stratum_of(pop.scores)
risk = [pop.scores[strata == h].mean() for h in range(design.n_strata)]
alloc = allocate_labels(design, 4000, risk)
sidx = draw_stratified_sample(design, pop.scores, alloc, seed=2)
inj = pop.labels == 1
held = {"tool_assisted-r1": LabelledSet(np.clip(pop.scores[inj][:300] * 0.3, 0, 1), np.ones(300, dtype=int))}
rows = threshold_sweep(
    generator_prompt_ids=pop.prompt_ids,
    generator_scores=pop.scores,
    test_set=test,
    held_out=held,
    thresholds=np.geomspace(3e-4, 0.3, 18),
    design=design,
    design_scores=pop.scores[sidx],
    design_labels=pop.labels[sidx],
    n_bootstrap=300,
)
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
plots.plot_failure_rate(rows, out / "reliability_failure_rate.png", threshold=float(pop.threshold))
plots.plot_sweep(rows, out / "reliability_threshold_sweep.png", threshold=float(pop.threshold))
print(pop.threshold, pop.prompt_averaged_rate(), rows[len(rows) // 2]["failure_rate"])
