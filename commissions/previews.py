"""The dry runs that need the commission side: a guarantee claim previewed (its rejection
keeps nothing), and a payout action's own figures."""

from billing.claims import file_claim
from billing.serialize import claim_to_dict
from commissions.models import LineStatus, Payout
from commissions.payouts import get_payout
from core.previews import Effects, dry_run
from core.service_errors import ServiceError


def preview_claim(contract_id: int, data, actor) -> tuple[dict, Effects]:
    """A guarantee claim previewed: one that would be rejected raises its code with
    `claim_id` None, since nothing was kept."""
    try:
        return dry_run(lambda: file_claim(contract_id, data, actor), claim_to_dict)
    except ServiceError as error:
        if "claim_id" not in error.extra:
            raise
        raise ServiceError(error.code, str(error), error.fields, claim_id=None) from None


def run_counts(payout: Payout) -> dict[str, int]:
    """A payout run's `lines` and `total_cents`."""
    return {
        "lines": len(payout.lines),
        "total_cents": sum(line.amount_cents for line in payout.lines),
    }


def paid_lines(payout_id: int) -> frozenset[int]:
    """The referrers whose line of the run is already paid (read before marking more)."""
    payout = get_payout(payout_id)
    if payout is None:
        return frozenset()
    return frozenset(line.referrer_id for line in payout.lines if line.status == LineStatus.PAID)


def paid_counts(payout: Payout, paid_before: frozenset[int]) -> dict[str, int]:
    """Marking paid: the lines it pays (`lines`) and their sum (`total_cents`)."""
    newly = [
        line
        for line in payout.lines
        if line.status == LineStatus.PAID and line.referrer_id not in paid_before
    ]
    return {"lines": len(newly), "total_cents": sum(line.amount_cents for line in newly)}
