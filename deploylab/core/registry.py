"""Model name -> driver class. Drivers live with their model under models/<x>/driver.py."""

from __future__ import annotations

import importlib

from deploylab.core.driver import Driver, LabContext
from deploylab.core.errors import LabError

MODELS: dict[str, str] = {
    "a": "deploylab_models.a_shared_server.driver",
    "b": "deploylab_models.b_per_service_server.driver",
    "c": "deploylab_models.c_vm_vagrant.driver",
    "d": "deploylab_models.d_containers.driver",
}


def driver_class(model: str) -> type[Driver]:
    if model not in MODELS:
        raise LabError(f"unknown model {model!r}: choose one of {', '.join(MODELS)}")
    driver: type[Driver] = importlib.import_module(MODELS[model]).Driver
    return driver


def make_driver(model: str, ctx: LabContext) -> Driver:
    return driver_class(model)(ctx)
