"""P/R/F1 from counts. Kept in one place so that writing, validating and the leaderboard agree."""

from __future__ import annotations

from dataclasses import dataclass


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Micro precision, recall, F1 from summed counts; 0.0 where a denominator is 0.

    The original script adds 1e-10 to every denominator; that moves values by less than 1e-9,
    which the parity tests check, and would keep a perfect score from being exactly 1.0.
    """
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def scores(self) -> tuple[float, float, float]:
        return prf(self.tp, self.fp, self.fn)
