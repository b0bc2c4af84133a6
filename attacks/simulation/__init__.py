"""The loop, simulated: ``python manage.py simulate``.

A synthetic story world with known ground truth (:mod:`ml_worker.core.story_kinds`) goes through the real
services, headless: simulated raters label through claim/submit and consensus, the real training path
trains, the real reliability calibration sets the threshold, simulated attackers drive the real rewrite
sessions (live score; saliency and substitutions in the tool-assisted condition) and the automated word
attack runs as a real attack batch; simulated verifiers verify blind through the verification queue;
the next version is trained on what was verified; repeat. Time is simulated (:mod:`.clock`): every
action of a simulated person advances a clock that the work queue reads, so active minutes, hourly pay
and the cost report are the platform's own figures for simulated work.

Modules: :mod:`.config` (sizes and people), :mod:`.clock`, :mod:`.people` (accounts and working through a
queue), :mod:`.attackers` (rewrite sessions and their edits), :mod:`.rounds` (one round),
:mod:`.metrics` (AUC, cost ratio and its interval), :mod:`.runner` (the whole run and its JSON).
"""
