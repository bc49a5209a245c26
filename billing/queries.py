"""How billing's pages read clients, contracts, invoices and claims: with the relationships
each page shows loaded in the same statement (or one more per relationship), never per row."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from billing.models import Client, Contract, GuaranteeClaim, Invoice
from core.extensions import db

CLAIM_ROWS = 500


def contracts_for_list() -> sa.Select:
    """Active first, the latest guarantee first, each with its client."""
    return (
        sa.select(Contract)
        .options(joinedload(Contract.client))
        .order_by(Contract.status, Contract.guarantee_ends_on.desc())
    )


def contract_page(contract_id: int) -> Contract | None:
    query = (
        sa.select(Contract)
        .where(Contract.id == contract_id)
        .options(joinedload(Contract.client).selectinload(Client.contacts))
    )
    return db.session.scalar(query)


def contract_for_lead_page(lead_id: int) -> Contract | None:
    query = (
        sa.select(Contract).where(Contract.lead_id == lead_id).options(joinedload(Contract.client))
    )
    return db.session.scalar(query)


def contract_claims(contract_id: int) -> list[GuaranteeClaim]:
    query = (
        sa.select(GuaranteeClaim)
        .where(GuaranteeClaim.contract_id == contract_id)
        .options(joinedload(GuaranteeClaim.entered_by))
        .order_by(GuaranteeClaim.id)
    )
    return list(db.session.scalars(query))


def claims_for_list() -> sa.Select:
    return (
        sa.select(GuaranteeClaim)
        .options(joinedload(GuaranteeClaim.entered_by))
        .order_by(GuaranteeClaim.created_at.desc())
    )


def invoice_page(invoice_id: int) -> Invoice | None:
    query = (
        sa.select(Invoice)
        .where(Invoice.id == invoice_id)
        .options(
            joinedload(Invoice.contract).joinedload(Contract.client),
            selectinload(Invoice.payments),
            selectinload(Invoice.refunds),
        )
    )
    return db.session.scalar(query)
