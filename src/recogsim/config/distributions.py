"""Input distributions: what experiments sample over and what ``uncertain:`` draws from.

One definition for both, with its support [min, max] always finite, so that every value drawn can
be checked against the parameter's own bounds before anything runs. ``ppf`` maps a uniform number
to a value (inverse transform sampling): a replication's draws are then fixed by its own uniform
numbers, whichever distribution they pass through.
"""

from __future__ import annotations

from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Distribution(BaseModel):
    """``uniform`` on [min, max]; ``triangular`` with its peak at ``mode``; ``truncnorm``: a normal
    of ``mean`` and ``sd`` cut to [min, max]. SALib names them ``unif``, ``triang``, ``truncnorm``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["uniform", "triangular", "truncnorm"]
    min: float = Field(strict=True)
    max: float = Field(strict=True)
    mode: float | None = Field(None, description="peak, triangular only")
    mean: float | None = Field(None, description="truncnorm only")
    sd: float | None = Field(None, gt=0, description="truncnorm only")

    @model_validator(mode="after")
    def _shape(self) -> Distribution:
        if not self.min < self.max or not np.isfinite([self.min, self.max]).all():
            raise ValueError(f"min must be below max, both finite, got min {self.min} and max {self.max}")
        if self.kind == "triangular" and (self.mode is None or not self.min <= self.mode <= self.max):
            raise ValueError(f"a triangular distribution needs a mode in [min, max], got {self.mode}")
        if self.kind == "truncnorm" and (self.mean is None or self.sd is None):
            raise ValueError("a truncnorm distribution needs mean and sd")
        extra = {"uniform": ("mode", "mean", "sd"), "triangular": ("mean", "sd"), "truncnorm": ("mode",)}[self.kind]
        given = [k for k in extra if getattr(self, k) is not None]
        if given:
            raise ValueError(f"{', '.join(given)} does not apply to a {self.kind} distribution")
        return self

    def ppf(self, u: ArrayLike) -> np.ndarray:
        """The value at quantile ``u`` (in [0, 1))."""
        u = np.asarray(u, dtype=float)
        width = self.max - self.min
        if self.kind == "uniform":
            return self.min + u * width
        from scipy import stats  # imported when needed: it takes longer than a run of the batch engine

        if self.kind == "triangular":
            return np.asarray(
                stats.triang(c=(cast(float, self.mode) - self.min) / width, loc=self.min, scale=width).ppf(u)
            )
        mean, sd = cast(float, self.mean), cast(float, self.sd)  # present: checked by _shape
        return np.asarray(stats.truncnorm((self.min - mean) / sd, (self.max - mean) / sd, loc=mean, scale=sd).ppf(u))

    def salib(self) -> tuple[str, list[float]]:
        """SALib's name and bounds for this distribution."""
        if self.kind == "uniform":
            return "unif", [self.min, self.max]
        if self.kind == "triangular":
            return "triang", [self.min, self.max, (cast(float, self.mode) - self.min) / (self.max - self.min)]
        return "truncnorm", [self.min, self.max, cast(float, self.mean), cast(float, self.sd)]
