"""Seeded generator of a labelled SAMPLE Well-Being survey for a city bundle (not real answers).

Individual answers to the Well-Being survey are never published, so the app ships generated
answers to show what the overlay does. Run ``python -m geo.samples.survey`` to rewrite
``data/samples/maebashi_survey_sample.csv`` (the same seed always gives the same file).

The model (documented in ``data/samples/README.md``):

1. **Where**: respondents are drawn over the towns in proportion to the towns' real 2025
   populations (a multinomial draw), about 1,100 in all, as in a municipal survey.
2. **Who**: age bands skewed to older people as survey respondents are (18–29: 9 % … 70+:
   24 %), slightly older in less dense towns; 53 % women, 45 % men, 2 % other / no answer.
3. **What**: each factor's answer is a latent score = the factor's base level
   + urban effect × (town density percentile − ½) + coverage effect × (the town's walking
   coverage of the factor's facility kind − the city's) + age and sex effects + a res-7 cell
   effect (sd 0.2) + a town effect (sd 0.15) + the person's general outlook (sd 0.45) + noise,
   rounded to 1…5 per item (with 1.5 % of answers left blank). Life satisfaction and
   happiness (0–10) follow the person's mean factor score and outlook.

None of these numbers is real; every output made from this file says "サンプルデータ / sample
data".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo import grid
from geo.access.kpi import city_coverage
from geo.ingest.bundle import CityBundle, load, shipped_dir
from geo.participation.framework import FRAMEWORK, Framework
from geo.participation.survey import AGE_BANDS, SAMPLE_LABEL

__all__ = [
    "AGE_LABELS",
    "N_RESPONDENTS",
    "SEED",
    "SEX_LABELS",
    "generate",
    "main",
    "sample_path",
    "write_sample",
]

#: Seed of the shipped sample.
SEED = 20250630
#: Respondents in the shipped sample (a municipal survey collects about 400–1,100 answers).
N_RESPONDENTS = 1100
#: How the sample file spells the age bands and sexes (as a municipal file would).
AGE_LABELS: dict[str, str] = {"18-29": "18〜29歳", "30-39": "30代", "40-49": "40代",
                              "50-59": "50代", "60-69": "60代", "70+": "70歳以上"}
SEX_LABELS: dict[str, str] = {"male": "男性", "female": "女性", "other": "回答しない"}

_AGE_P = np.array([0.09, 0.12, 0.16, 0.18, 0.21, 0.24])
_SEX_P = np.array([0.45, 0.53, 0.02])
#: Base level (1–5 scale) per factor.
_BASE: dict[str, float] = {
    "medical_welfare": 3.4, "shopping_dining": 3.5, "housing": 3.5, "mobility": 2.8,
    "recreation": 3.0, "childcare": 3.3, "school_education": 3.4, "local_government": 3.0,
    "digital_life": 3.1, "public_space": 3.3, "townscape": 3.0, "natural_landscape": 3.8,
    "natures_bounty": 3.9, "environmental_harmony": 3.3, "natural_disasters": 3.4,
    "accidents_crime": 3.4, "community_ties": 3.3, "diversity_tolerance": 3.1,
    "self_efficacy": 3.0, "health": 3.4, "culture_arts": 3.0, "learning_opportunities": 3.0,
    "employment_income": 2.9, "business_creation": 2.8,
}
#: Effect of urban density (percentile − ½) per factor.
_URBAN: dict[str, float] = {
    "mobility": 1.0, "shopping_dining": 0.8, "recreation": 0.6, "townscape": 0.4,
    "culture_arts": 0.5, "medical_welfare": 0.4, "learning_opportunities": 0.3,
    "employment_income": 0.2, "digital_life": 0.2, "natural_landscape": -0.9,
    "natures_bounty": -0.7, "environmental_harmony": -0.3, "community_ties": -0.5,
    "accidents_crime": -0.3, "housing": -0.3,
}
#: Effect of the town's coverage of a kind (rate − city rate) on a factor.
_COVERAGE: dict[str, tuple[str, float]] = {
    "mobility": ("bus_stop", 0.9), "public_space": ("park", 0.6),
    "natural_disasters": ("shelter", 0.5), "community_ties": ("community_hall", 0.4),
    "school_education": ("elementary_school", 0.4),
}
#: Effect per age band step (18–29 = 0 … 70+ = 5, centred) per factor.
_AGE: dict[str, float] = {
    "community_ties": 0.12, "digital_life": -0.14, "health": -0.08, "natural_disasters": 0.05,
    "employment_income": -0.04, "local_government": 0.05, "learning_opportunities": -0.05,
}
#: Effects for women (relative to men).
_FEMALE: dict[str, float] = {"accidents_crime": -0.2, "childcare": -0.1, "mobility": -0.1}


def sample_path(city: str) -> Path:
    """Where the sample survey of a city is written: ``data/samples/<city>_survey_sample.csv``."""
    return shipped_dir() / "samples" / f"{city}_survey_sample.csv"


def _town_frame(bundle: CityBundle) -> pd.DataFrame:
    if bundle.towns is None or bundle.pieces is None:
        raise ValueError(f"{bundle.id} has no town populations: a sample survey needs them")
    towns = bundle.towns[bundle.towns["population"].fillna(0) > 0].copy()
    area_km2 = towns.to_crs(bundle.crs).area.to_numpy() / 1e6
    density = towns["population"].to_numpy(dtype=float) / np.maximum(area_km2, 1e-3)
    out = pd.DataFrame({"town_code": towns["town_code"].astype(str).to_numpy(),
                        "name": towns["name"].astype(str).to_numpy(),
                        "population": towns["population"].to_numpy(dtype=float),
                        "urban": pd.Series(density).rank(pct=True).to_numpy()})
    cov = city_coverage(bundle)
    if cov.towns is not None:
        for kind, _ in _COVERAGE.values():
            col = f"rate_{kind}"
            if col in cov.towns and kind in cov.summary.index:
                rate = cov.towns[col].reindex(out["town_code"]).to_numpy(dtype=float)
                city = float(cov.summary.at[kind, "rate"])
                out[col] = np.nan_to_num(rate - city) if not np.isnan(city) else 0.0
    # res-7 cell of the town's biggest piece, for a spatially smooth effect
    p = bundle.pieces
    top = p.sort_values("value").groupby("town_code").tail(1).set_index("town_code")["cell"]
    cells = top.reindex(out["town_code"]).to_numpy()
    out["h3_7"] = grid.parents(cells.astype(np.uint64), 7)
    return out


@dataclass(frozen=True)
class _Respondents:
    """The drawn respondents: their towns' rows, urban score (density percentile − ½), age band
    (0 = 18–29 … 5 = 70+), sex (0 male, 1 female, 2 other) and general outlook."""

    towns: pd.DataFrame
    urban: npt.NDArray[np.float64]
    age: npt.NDArray[np.int_]
    sex: npt.NDArray[np.int_]
    outlook: npt.NDArray[np.float64]


#: Random effect of each (res-7 cell or town code, factor key).
_Effects = dict[tuple[object, str], float]


def _draw_towns(rng: np.random.Generator, towns: pd.DataFrame, n: int) -> pd.DataFrame:
    """The home town's row of each of ``n`` respondents, drawn in proportion to population."""
    counts = rng.multinomial(n, towns["population"] / towns["population"].sum())
    idx = np.repeat(np.arange(len(towns)), counts)
    rng.shuffle(idx)
    return towns.iloc[idx].reset_index(drop=True)


def _draw_ages(rng: np.random.Generator, urban: npt.NDArray[np.float64]) -> npt.NDArray[np.int_]:
    """Age bands, older respondents in less dense towns (the age distribution tilted)."""
    age = np.empty(len(urban), dtype=int)
    for i in range(len(urban)):
        tilt = np.exp(np.arange(6) * -0.15 * urban[i] * 2)
        p = _AGE_P * tilt
        age[i] = rng.choice(6, p=p / p.sum())
    return age


def _draw_effects(rng: np.random.Generator, towns: pd.DataFrame,
                  framework: Framework) -> tuple[_Effects, _Effects]:
    """Random effects per factor of each res-7 cell (sd 0.2) and of each town (sd 0.15)."""
    cell_ids = np.unique(towns["h3_7"])
    cell_fx = {(c, f.key): rng.normal(0, 0.2) for c in cell_ids for f in framework.factors}
    town_fx = {(c, f.key): rng.normal(0, 0.15) for c in towns["town_code"]
               for f in framework.factors}
    return cell_fx, town_fx


def _latent(rng: np.random.Generator, key: str, who: _Respondents, cell_fx: _Effects,
            town_fx: _Effects) -> npt.NDArray[np.float64]:
    """The respondents' latent score (1–5 scale) of one factor (model step 3)."""
    t = who.towns
    mu = np.full(len(t), _BASE.get(key, 3.2))
    mu += _URBAN.get(key, 0.0) * who.urban
    if key in _COVERAGE:
        kind, beta = _COVERAGE[key]
        col = f"rate_{kind}"
        if col in t:
            mu += beta * t[col].to_numpy()
    mu += _AGE.get(key, 0.0) * (who.age - 2.5)
    mu += _FEMALE.get(key, 0.0) * (who.sex == 1)
    mu += np.array([cell_fx[(c, key)] for c in t["h3_7"]])
    mu += np.array([town_fx[(c, key)] for c in t["town_code"]])
    mu += who.outlook
    latent: npt.NDArray[np.float64] = mu + rng.normal(0, 0.55, size=len(t))
    return latent


def _item_answers(rng: np.random.Generator, framework: Framework, who: _Respondents,
                  cell_fx: _Effects, town_fx: _Effects
                  ) -> tuple[dict[str, list[str]], npt.NDArray[np.float64]]:
    """Each item's answers (``"1"``…``"5"``, ``""`` = blank) and the respondents' mean latent
    score over the factors."""
    n = len(who.towns)
    latent_means = np.zeros(n)
    answers: dict[str, list[str]] = {}
    for f in framework.factors:
        latent = _latent(rng, f.key, who, cell_fx, town_fx)
        latent_means += latent
        for item in framework.items_of(f.key):
            value = np.clip(np.rint(latent + rng.normal(0, 0.6, size=n)), 1, 5).astype(int)
            blank = rng.random(n) < 0.015
            answers[item.code] = ["" if b else str(v) for v, b in zip(value, blank, strict=True)]
    return answers, latent_means / len(framework.factors)


def _headline_scores(rng: np.random.Generator, latent_mean: npt.NDArray[np.float64],
                     outlook: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[np.int_]]:
    """Life satisfaction and happiness (0–10) from the mean factor score and the outlook."""
    n = len(outlook)
    ls = np.clip(np.rint(6.2 + 1.6 * (latent_mean - 3.2) + 1.0 * outlook
                         + rng.normal(0, 1.4, size=n)), 0, 10).astype(int)
    happy = np.clip(np.rint(ls + 0.4 + rng.normal(0, 1.0, size=n)), 0, 10).astype(int)
    return {"life_satisfaction": ls, "happiness": happy}


def _answer_frame(framework: Framework, who: _Respondents, answers: dict[str, list[str]],
                  heads: dict[str, npt.NDArray[np.int_]]) -> pd.DataFrame:
    """The rows as a municipal file has them: id, age band, sex, town, items, headlines."""
    n = len(who.towns)
    out = pd.DataFrame({
        "回答者ID": [f"S{i + 1:04d}" for i in range(n)],
        "年代": [AGE_LABELS[AGE_BANDS[a]] for a in who.age],
        "性別": [SEX_LABELS[("male", "female", "other")[s]] for s in who.sex],
        "居住地域": who.towns["name"].to_numpy(),
    })
    for item in framework.items:
        out[item.code] = answers[item.code]
    for h in framework.headlines:
        out[h.ja] = [str(v) for v in heads.get(h.key, heads["life_satisfaction"])]
    return out


def generate(
    bundle: CityBundle,
    *,
    n: int = N_RESPONDENTS,
    seed: int = SEED,
    framework: Framework = FRAMEWORK,
) -> pd.DataFrame:
    """Generate sample answers (one row per respondent) with the headers of a municipal file.

    Parameters
    ----------
    bundle
        A city bundle with town populations.
    n
        Number of respondents.
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives the same answers.
    framework
        The indicator definition (items and headline questions).

    Returns
    -------
    pandas.DataFrame
        Columns 回答者ID, 年代, 性別, 居住地域 (town name), Q01…Q48 (1–5, blank = no answer),
        生活満足度 and 幸福感 (0–10). Answers are strings, as read from a CSV.
    """
    rng = np.random.default_rng(seed)
    towns = _town_frame(bundle)
    t = _draw_towns(rng, towns, n)
    urban = t["urban"].to_numpy() - 0.5
    age = _draw_ages(rng, urban)
    sex = rng.choice(3, size=n, p=_SEX_P)
    cell_fx, town_fx = _draw_effects(rng, towns, framework)
    who = _Respondents(t, urban, age, sex, outlook=rng.normal(0, 0.45, size=n))
    answers, latent_mean = _item_answers(rng, framework, who, cell_fx, town_fx)
    heads = _headline_scores(rng, latent_mean, who.outlook)
    return _answer_frame(framework, who, answers, heads)


def write_sample(
    bundle: CityBundle, path: str | Path | None = None, *, n: int = N_RESPONDENTS,
    seed: int = SEED,
) -> Path:
    """Write :func:`generate`'s answers as CSV (UTF-8 with BOM) and a ``.meta.json`` beside it.

    Returns
    -------
    pathlib.Path
        The CSV written.
    """
    p = Path(path) if path is not None else sample_path(bundle.id)
    p.parent.mkdir(parents=True, exist_ok=True)
    frame = generate(bundle, n=n, seed=seed)
    p.write_bytes(frame.to_csv(index=False).encode("utf-8-sig"))
    meta = {
        "label": SAMPLE_LABEL,
        "what": "Generated answers, NOT a real survey: see geo/samples_survey.py",
        "city": bundle.id,
        "respondents": n,
        "seed": seed,
        "generator": "geo.samples.survey.generate",
        "framework": f"{FRAMEWORK.id}:{FRAMEWORK.version}",
        "towns_from": "the bundle's town populations (population_as_of "
                      f"{bundle.manifest.get('population_as_of', '?')})",
    }
    p.with_suffix(".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m geo.samples.survey [--city maebashi] [--n 1100] [--seed S]``."""
    ap = argparse.ArgumentParser(prog="python -m geo.samples.survey", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--city", default="maebashi")
    ap.add_argument("--n", type=int, default=N_RESPONDENTS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("-o", "--output", type=Path, default=None)
    args = ap.parse_args(argv)
    path = write_sample(load(args.city), args.output, n=args.n, seed=args.seed)
    print(f"{SAMPLE_LABEL}: wrote {args.n} generated respondents to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
