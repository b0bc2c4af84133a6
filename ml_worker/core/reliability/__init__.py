"""Reliability statistics of a filtered generator (pure: arrays in, numbers out; no Django).

intervals   Clopper-Pearson and Wilson bounds on (possibly fractional) counts
rejection   failure rate of rejection-sampling filtering from labelled unfiltered samples:
            mean over prompts of the re-weighted injurious share of what passes; bootstrap over
            prompts joined with an exact interval on Kish's effective sample size
stratified  score-stratified labelling design, its Horvitz-Thompson estimator with a stratified
            Clopper-Pearson interval, label allocation and the strata to label next
sweep       the threshold sweep: rejection rate, samples per accepted completion, recall on
            held-out sets, the failure rate and its bounds at every threshold
quality     unfiltered win rate at a threshold and the calibration proposal
simulate    synthetic scored populations with a known true rate (tests, the failure_rate bench)
plots       PNG figures of a reliability report (matplotlib, Agg backend)
"""
