"""Settings split as in cookiecutter-django: base, then dev, prod or test on top.

Environment variables are read here and nowhere else in the service.
"""
