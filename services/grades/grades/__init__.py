"""The Grades Django project: settings, root URLconf and the WSGI entry point."""
