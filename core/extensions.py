"""Extensions created unbound; `create_app` attaches them. Nothing here connects anywhere."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from core.db import Base

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
"""Objects keep what they loaded after a commit: the answer to a saved change is built from
memory, not by reloading from a connection that may have just dropped (a saved change must
never be answered "nothing was changed")."""
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)
