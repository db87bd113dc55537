"""Finding things in the code base for tests that must cover all of them (every form, every
FilterSet), so a new one is checked without being listed by hand."""

from __future__ import annotations

import copy
import importlib
import pkgutil

import huifang

SKIPPED_MODULES = ("huifang.wsgi", "huifang.settings")


def import_everything() -> None:
    """Import every module of the project (not migrations), so every class is defined."""
    for module in pkgutil.walk_packages(huifang.__path__, "huifang."):
        if ".migrations" in module.name or module.name in SKIPPED_MODULES:
            continue
        importlib.import_module(module.name)


def project_subclasses(cls) -> list[type]:
    """Every subclass of ``cls``, at any depth, defined in the project."""
    import_everything()
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(project_subclasses(sub))
    return [c for c in found if c.__module__.startswith("huifang.")]


def filter_field(flt):
    """A FilterSet class's filter's form field, built on a copy: ``Filter.field`` is built
    once and kept, and built on the class's own filter it would keep a label not yet
    resolved (the model is set on the copies a FilterSet makes) for every later FilterSet."""
    return copy.deepcopy(flt).field
