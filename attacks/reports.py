"""Cost per adversarial example: minutes and money per verified attack, by attacked version × source.

The unit of an attack is an *attempt*: a finished rewrite session (manual or tool-assisted:
submitted, or abandoned, including sessions whose lease expired or was released) or a
generated paraphrase candidate. Per attempt we know its active minutes (the rewrite
assignment's heartbeat time; paraphrases cost no human attack time), whether it was
submitted and verified, and its money from the ledger: the rewrite assignment's pay, the
author's bonus for the adversarial example, and the verification labeling paid on its
verification item. Ratios are totals over totals (minutes / verified examples); their
95% intervals bootstrap attempts (resampling whole attempts keeps minutes and successes
paired); the success rate's interval is Wilson's.

Money is never added across currencies: every attempt keeps its money per currency, and each
row reports it per currency (``money_by_currency``); the row's plain ``money`` figures are
that of its one currency (``currency``), or None when the row's money is in several.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Sum
from statsmodels.stats.proportion import proportion_confint

from attacks.models import (
    AdversarialExample,
    AttackSource,
    AttackSubmission,
    CandidateStatus,
    Condition,
    ParaphraseCandidate,
    RewriteSession,
    SessionStatus,
)
from attacks.services.verification import bonus_reference
from gauntlet.payments.models import LedgerEntry, LedgerKind

BOOTSTRAP_RESAMPLES = 2000


@dataclass
class Attempt:
    version: str
    source: str
    contractor: str | None
    minutes: float
    submitted: bool
    verified: bool
    in_progress: bool = False
    abandoned: bool = False
    # Each part of the attempt's money, per currency (currency -> amount).
    attack_pay: dict[str, Decimal] = field(default_factory=dict)
    bonus: dict[str, Decimal] = field(default_factory=dict)
    verification: dict[str, Decimal] = field(default_factory=dict)

    @property
    def currencies(self) -> set[str]:
        return set(self.attack_pay) | set(self.bonus) | set(self.verification)

    def money_in(self, currency: str | None) -> Decimal:
        parts = (self.attack_pay, self.bonus, self.verification)
        return sum((part.get(currency, Decimal(0)) for part in parts if currency), Decimal(0))

    @property
    def money(self) -> Decimal:
        """All of the attempt's money; only defined when it is in one currency (or none)."""
        currencies = self.currencies
        if len(currencies) > 1:
            raise ValueError(f"money in several currencies ({', '.join(sorted(currencies))}) is not added up")
        return self.money_in(next(iter(currencies), None))


PerCurrency = dict[str, Decimal]


@dataclass
class _Ledger:
    by_assignment: dict[int, PerCurrency] = field(default_factory=lambda: defaultdict(dict))
    by_item: dict[int, PerCurrency] = field(default_factory=lambda: defaultdict(dict))
    bonuses: dict[str, PerCurrency] = field(default_factory=lambda: defaultdict(dict))


def _ledger(*, assignment_ids: set[int], item_ids: set[int], references: set[str]) -> _Ledger:
    ledger = _Ledger()
    for assignment_id, currency, total in (
        LedgerEntry.objects.filter(assignment_id__in=assignment_ids)
        .values_list("assignment_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        ledger.by_assignment[assignment_id][currency] = total
    for item_id, currency, total in (
        LedgerEntry.objects.filter(assignment__item_id__in=item_ids)
        .values_list("assignment__item_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        ledger.by_item[item_id][currency] = total
    for reference, currency, total in (
        LedgerEntry.objects.filter(kind=LedgerKind.BONUS, reference__in=references)
        .values_list("reference", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        ledger.bonuses[reference][currency] = total
    return ledger


def attempts_collect() -> list[Attempt]:
    """Every attack attempt with its minutes, outcome and money."""
    sessions = list(
        RewriteSession.objects.select_related("classifier_version", "assignment", "contractor").order_by("id")
    )
    submissions = {
        s.session_id: s
        for s in AttackSubmission.objects.filter(session__isnull=False).select_related("adversarial")
    }
    candidates = list(
        ParaphraseCandidate.objects.exclude(status=CandidateStatus.DUPLICATE)
        .select_related("batch__classifier_version", "submission")
        .order_by("id")
    )
    adversarial = dict(AdversarialExample.objects.values_list("submission_id", "pk"))
    item_ids = {s.verification_item_id for s in submissions.values() if s.verification_item_id}
    item_ids |= {
        c.submission.verification_item_id
        for c in candidates
        if c.submission and c.submission.verification_item_id
    }
    ledger = _ledger(
        assignment_ids={s.assignment_id for s in sessions},
        item_ids=item_ids,
        references={bonus_reference(pk) for pk in adversarial.values()},
    )
    attempts = []
    for session in sessions:
        submission = submissions.get(session.pk)
        adversarial_id = adversarial.get(submission.pk) if submission else None
        attempts.append(
            Attempt(
                version=session.classifier_version.name,
                source=AttackSource.MANUAL
                if session.condition == Condition.MANUAL
                else AttackSource.TOOL_ASSISTED,
                contractor=session.contractor.email,
                minutes=session.assignment.active_seconds / 60.0,
                submitted=submission is not None,
                in_progress=session.status == SessionStatus.OPEN,
                abandoned=session.status == SessionStatus.ABANDONED,
                verified=adversarial_id is not None,
                attack_pay=ledger.by_assignment.get(session.assignment_id, {}),
                bonus=ledger.bonuses.get(bonus_reference(adversarial_id), {})
                if adversarial_id is not None
                else {},
                verification=ledger.by_item.get(submission.verification_item_id or 0, {})
                if submission
                else {},
            )
        )
    for candidate in candidates:
        submission = candidate.submission
        attempts.append(
            Attempt(
                version=candidate.batch.classifier_version.name,
                source=AttackSource.WORD_ATTACK
                if candidate.batch.paraphraser == "word_attack"
                else AttackSource.PARAPHRASE,
                contractor=None,
                minutes=0.0,
                submitted=submission is not None,
                verified=submission is not None and submission.pk in adversarial,
                verification=ledger.by_item.get(submission.verification_item_id or 0, {})
                if submission
                else {},
            )
        )
    return attempts


def _ratio_interval(numerators: np.ndarray, successes: np.ndarray, seed: int = 0) -> list[float] | None:
    """95% percentile bootstrap interval of sum(numerators) / sum(successes) over attempts."""
    if successes.sum() == 0:
        return None
    rng = np.random.default_rng(seed)
    n = len(numerators)
    picks = rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))
    wins = successes[picks].sum(axis=1)
    ratios = numerators[picks].sum(axis=1)[wins > 0] / wins[wins > 0]
    low, high = np.percentile(ratios, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def _money_summary(
    attempts: list[Attempt], currency: str | None, wins: np.ndarray, verified: int
) -> dict[str, Any]:
    """The attempts' money in one ``currency`` (None: they earned nothing)."""

    def part(name: str) -> Decimal:
        return sum((getattr(a, name).get(currency, Decimal(0)) for a in attempts if currency), Decimal(0))

    attack_pay, bonuses, verification = part("attack_pay"), part("bonus"), part("verification")
    total = attack_pay + bonuses + verification
    money = np.array([float(a.money_in(currency)) for a in attempts], dtype=float)
    return {
        "currency": currency,
        "money": {"attack_pay": str(attack_pay), "bonuses": str(bonuses), "verification": str(verification)},
        "money_total": str(total),
        "money_per_example": str((total / verified).quantize(Decimal("0.0001"))) if verified else None,
        "money_per_example_ci": _ratio_interval(money, wins),
    }


def _summarise(rows: list[Attempt]) -> dict[str, Any]:
    # A session still open has no outcome yet: it is shown, but not yet an attempt.
    attempts = [a for a in rows if not a.in_progress]
    n = len(attempts)
    verified = sum(a.verified for a in attempts)
    minutes = np.array([a.minutes for a in attempts], dtype=float)
    wins = np.array([int(a.verified) for a in attempts], dtype=float)
    success_ci = None
    if n:
        low, high = proportion_confint(verified, n, alpha=0.05, method="wilson")
        success_ci = [float(low), float(high)]
    currencies = sorted(set().union(*(a.currencies for a in attempts)))
    by_currency = [_money_summary(attempts, c, wins, verified) for c in currencies]
    one = by_currency[0] if len(by_currency) == 1 else None
    if not by_currency:
        one = _money_summary(attempts, None, wins, verified)
    return {
        "attempts": n,
        "submitted": sum(a.submitted for a in attempts),
        "abandoned": sum(a.abandoned for a in attempts),
        "in_progress": len(rows) - n,
        "verified": verified,
        "success_rate": verified / n if n else None,
        "success_rate_ci": success_ci,
        "active_minutes": round(float(minutes.sum()), 4),
        "minutes_per_example": round(float(minutes.sum()) / verified, 4) if verified else None,
        "minutes_per_example_ci": _ratio_interval(minutes, wins),
        # The row's money when it is in one currency (None when in several: see money_by_currency).
        **{
            key: one[key] if one else None
            for key in ("currency", "money", "money_total", "money_per_example", "money_per_example_ci")
        },
        "money_by_currency": by_currency,
    }


def cost_per_adversarial_example() -> dict[str, Any]:
    """The report: one row per attacked version × source, and one per version × source × contractor.

    Side effect: sessions whose rewrite task lapsed are first marked abandoned (they count as attempts
    that did not submit; sessions still open are reported as ``in_progress``, not as attempts).
    """
    from attacks.services.sessions.lapse import rewrite_sessions_close_lapsed

    rewrite_sessions_close_lapsed()
    attempts = attempts_collect()
    groups: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    people: dict[tuple[str, str, str], list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        groups[(attempt.version, attempt.source)].append(attempt)
        if attempt.contractor is not None:
            people[(attempt.version, attempt.source, attempt.contractor)].append(attempt)
    currencies = sorted(set().union(*(a.currencies for a in attempts)))
    return {
        "currencies": currencies,
        "groups": [
            {"classifier_version": v, "source": s, **_summarise(rows)}
            for (v, s), rows in sorted(groups.items())
        ],
        "contractors": [
            {"classifier_version": v, "source": s, "contractor": c, **_summarise(rows)}
            for (v, s, c), rows in sorted(people.items())
        ],
    }


def cost_plot(report: dict[str, Any], path: str) -> None:
    """Minutes and money per verified example by attacked version, one bar per source, 95% error bars.

    Money is drawn in the report's currency; when the report holds several, the money panel says so
    and draws nothing (amounts in different currencies are never put on one axis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    versions = sorted({g["classifier_version"] for g in report["groups"]})
    sources = [s for s in AttackSource.values if any(g["source"] == s for g in report["groups"])]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    width = 0.8 / max(len(sources), 1)
    currencies = report.get("currencies", [])
    money_label = currencies[0] if len(currencies) == 1 else "money"
    for ax, key, label in (
        (axes[0], "minutes_per_example", "active minutes"),
        (axes[1], "money_per_example", money_label),
    ):
        for index, source in enumerate(sources):
            heights: list[float] = []
            errors: list[list[float]] = [[], []]
            for version in versions:
                group = next(
                    (
                        g
                        for g in report["groups"]
                        if g["classifier_version"] == version and g["source"] == source
                    ),
                    None,
                )
                value = float(group[key]) if group and group[key] is not None else 0.0
                ci = group.get(f"{key}_ci") if group else None
                heights.append(value)
                errors[0].append(max(value - ci[0], 0.0) if ci else 0.0)
                errors[1].append(max(ci[1] - value, 0.0) if ci else 0.0)
            positions = [i + index * width for i in range(len(versions))]
            ax.bar(positions, heights, width, yerr=errors, capsize=3, label=source)
        ax.set_xticks([i + width * (len(sources) - 1) / 2 for i in range(len(versions))], versions)
        ax.set_xlabel("attacked classifier version")
        ax.set_ylabel(f"{label} per adversarial example")
    if len(currencies) > 1:
        axes[1].set_title(f"several currencies ({', '.join(currencies)}): see the table", fontsize=9)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
