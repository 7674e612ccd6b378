"""Model B: one waitress process per service, in its own venv, behind the Tornado gateway, under a small supervisor."""
