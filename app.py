"""PLP Manager: the application factory."""

import gc

from flask import Flask, redirect

import dashboards
from admin import auth, cli, errors, logs, panel, security
from admin.config import load_settings
from admin.extensions import cache, csrf, db, limiter, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the PLP Manager application, with settings overridden by `config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_settings(app.instance_path))
    app.config.update(config or {})

    logs.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory="migrations", render_as_batch=True)
    cache.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    panel.init_app(app)
    dashboards.init_app(app)
    cli.init_app(app)
    errors.init_app(app)

    app.add_url_rule("/", "home", lambda: redirect(auth.landing()))
    if not app.testing:
        # What was built above lives as long as the process. Frozen, it is no
        # longer walked by each full garbage collection, which a dashboard
        # reading thousands of rows sets off in the middle of a request.
        gc.freeze()
    return app
