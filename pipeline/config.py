"""One configuration object for a run: encoding, imbalance strategy, model, params, seed.

The CLI, the Optuna objective and the dashboard sidebar all build a `RunConfig`;
its `key` (a stable hash) keys caches and stored results.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

from pipeline.errors import UserError

MODELS: tuple[str, ...] = ("logreg", "knn", "xgboost", "nn", "dummy")
STRATEGIES: tuple[str, ...] = ("none", "oversample", "smote", "class_weights", "leaky")
SCALERS: tuple[str, ...] = ("maxabs", "robust", "standard", "none")
ARTIST_ENCODINGS: tuple[str, ...] = ("onehot", "hashing", "drop")

MODEL_LABELS = {"logreg": "Logistic regression", "knn": "K nearest neighbours", "xgboost": "XGBoost",
                "nn": "Neural net (Keras)", "dummy": "Baseline (most frequent)"}
STRATEGY_LABELS = {"none": "None", "oversample": "Random oversampling", "smote": "SMOTE",
                   "class_weights": "Class weights", "leaky": "Leaky oversampling (demo only)"}


class ConfigError(UserError):
    """A configuration that cannot run, with a message that says which field is wrong."""


@dataclass(frozen=True)
class Encoding:
    """How a track becomes a feature vector (see `pipeline.features`).

    The defaults are the recommended encoding (`pipeline.recommended`), so the CLI, the
    dashboard and a bare ``Encoding()`` all start from the same place.
    """

    scaler: str = "standard"
    splines: bool = True
    artist: str = "onehot"
    artist_buckets: int = 512
    year: bool = True
    genres: bool = True
    album: bool = True
    added_at: bool = False

    def __post_init__(self) -> None:
        _check_choice("scaler", self.scaler, SCALERS)
        _check_choice("artist", self.artist, ARTIST_ENCODINGS)
        if int(self.artist_buckets) < 2:
            raise ConfigError(f"artist_buckets must be at least 2, not {self.artist_buckets}")

    @classmethod
    def parse(cls, text: str | None) -> "Encoding":
        """Parse ``scaler=maxabs,artist=hashing,artist_buckets=256,year=off`` (any subset)."""
        if not text:
            return cls()
        values: dict[str, Any] = {}
        for part in text.split(","):
            if not part.strip():
                continue
            name, _, value = part.partition("=")
            name, value = name.strip(), value.strip()
            if name not in cls.__dataclass_fields__:
                raise ConfigError(f"unknown encoding option '{name}' "
                                  f"(options: {', '.join(cls.__dataclass_fields__)})")
            values[name] = _coerce(name, value, type(getattr(cls(), name)))
        return cls(**values)


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides a result. Frozen and hashable; `params` is a sorted tuple of pairs."""

    model: str = "logreg"
    strategy: str = "class_weights"
    encoding: Encoding = field(default_factory=Encoding)
    params: tuple[tuple[str, Any], ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        _check_choice("model", self.model, MODELS)
        _check_choice("strategy", self.strategy, STRATEGIES)
        if isinstance(self.params, Mapping):
            object.__setattr__(self, "params", tuple(sorted(dict(self.params).items())))
        else:
            object.__setattr__(self, "params", tuple(sorted(tuple(p) for p in self.params)))

    @property
    def param_dict(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def leaky(self) -> bool:
        return self.strategy == "leaky"

    def with_params(self, **params: Any) -> "RunConfig":
        return replace(self, params={**self.param_dict, **params})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["params"] = self.param_dict
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RunConfig":
        data = dict(data)
        encoding = Encoding(**data.pop("encoding", {}))
        return cls(encoding=encoding, params=data.pop("params", {}), **data)

    def key(self) -> str:
        """Stable across processes and Python versions (unlike `hash`)."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def label(self) -> str:
        return f"{MODEL_LABELS[self.model]} · {STRATEGY_LABELS[self.strategy]}"


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"unknown {name} '{value}' (choose from: {', '.join(choices)})")


def _coerce(name: str, value: str, kind: type) -> Any:
    if kind is bool:
        lowered = value.lower()
        if lowered in ("1", "true", "on", "yes", ""):
            return True
        if lowered in ("0", "false", "off", "no"):
            return False
        raise ConfigError(f"encoding option '{name}' takes on/off, not '{value}'")
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"encoding option '{name}' takes a whole number, not '{value}'") from None
    return value
