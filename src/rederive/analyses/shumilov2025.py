"""Shumilov 2025: the subgroup splits of the cohort that its printed rates allow."""
from __future__ import annotations

from ..sources.shumilov2025 import MODES, reconstruction


def reconstructions(x) -> dict:
    """Every split of the cohort into timing groups (responders, patients) that the printed rates allow, under three readings."""
    return {mode: reconstruction(x, mode) for mode in MODES}


ANALYSES = {"shumilov_reconstructions": reconstructions}
