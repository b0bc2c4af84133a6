"""Multi-rater agreement and consensus: plain arrays in, statistics out.

No models, no database, no side effects. Input everywhere is a long table of
``(item, rater, label)`` rows (a sequence of tuples, a DataFrame, or a
:class:`LabelTable` built once with :func:`label_table` and reused). The unsure
and tie policy is documented in :mod:`gauntlet.agreement.consensus`.

Heavy libraries (crowd-kit, krippendorff, scipy) are imported inside the
functions that use them, so loading the Django app stays cheap.
"""

from gauntlet.agreement.comparisons import BradleyTerry, WinRate, bradley_terry, wilson_interval, win_rate
from gauntlet.agreement.consensus import (
    DawidSkeneFit,
    ItemConsensus,
    dawid_skene,
    dawid_skene_fit,
    escalation_candidates,
    majority_vote,
    needs_escalation,
)
from gauntlet.agreement.metrics import (
    RaterPairKappa,
    cohen_kappa_matrix,
    cohen_kappa_pairs,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from gauntlet.agreement.raters import RaterStats, flag_raters, rater_stats
from gauntlet.agreement.report import agreement_report
from gauntlet.agreement.table import (
    COMPARISON_OUTCOMES,
    INJURIOUS,
    INJURY_CATEGORIES,
    NOT_INJURIOUS,
    UNSURE,
    LabelTable,
    label_table,
)

__all__ = [
    "COMPARISON_OUTCOMES",
    "INJURIOUS",
    "INJURY_CATEGORIES",
    "NOT_INJURIOUS",
    "UNSURE",
    "BradleyTerry",
    "DawidSkeneFit",
    "ItemConsensus",
    "LabelTable",
    "RaterPairKappa",
    "RaterStats",
    "WinRate",
    "agreement_report",
    "bradley_terry",
    "cohen_kappa_matrix",
    "cohen_kappa_pairs",
    "dawid_skene",
    "dawid_skene_fit",
    "escalation_candidates",
    "fleiss_kappa",
    "flag_raters",
    "krippendorff_alpha",
    "label_table",
    "majority_vote",
    "needs_escalation",
    "percent_agreement",
    "rater_stats",
    "wilson_interval",
    "win_rate",
]
