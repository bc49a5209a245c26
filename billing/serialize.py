"""The client and contract resources of SPEC §8."""

from billing.models import Client, Contract


def client_to_dict(client: Client) -> dict:
    return {
        "id": client.id,
        "name": client.name,
        "domain": client.domain,
        "contacts": [
            {
                "id": contact.id,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "email": contact.email,
                "role": contact.role.value,
            }
            for contact in client.contacts
        ],
    }


def contract_to_dict(contract: Contract) -> dict:
    return {
        "id": contract.id,
        "client_id": contract.client_id,
        "lead_id": contract.lead_id,
        "status": contract.status.value,
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat() if contract.end_date else None,
        "termination_reason": (
            contract.termination_reason.value if contract.termination_reason else None
        ),
        "guarantee_ends_on": contract.guarantee_ends_on.isoformat(),
        "engineers": contract.engineers,
        "monthly_rate_cents": contract.monthly_rate_cents,
        "currency": contract.currency,
    }
