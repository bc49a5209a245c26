"""/api/v1/users: staff accounts and their availability (SPEC §13)."""

from flask import g, jsonify

from api.auth import api_auth
from api.blueprint import bp
from api.bodies import UserPatchIn, parse_body
from api.parsing import list_answer
from auth.roles import ADMINS, STAFF
from auth.staff import set_available, staff_list, user_to_dict


@bp.get("/users")
@api_auth(*ADMINS)
def list_users():
    return list_answer([user_to_dict(user) for user in staff_list()], None)


@bp.patch("/users/<int:user_id>")
@api_auth(*STAFF)
def patch_user(user_id: int):
    body = parse_body(UserPatchIn)
    return jsonify(user_to_dict(set_available(user_id, body.available, g.api_user)))
