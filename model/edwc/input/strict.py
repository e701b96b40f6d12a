"""The base of every instance.yaml model: unknown keys, non-finite numbers and true/false as a number refused."""

from __future__ import annotations

import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


def _takes_bool(annotation: Any) -> bool:
    """Whether a field's type admits true/false (bool, Any, or a union or container holding them)."""
    if annotation is bool or annotation is Any:
        return True
    args = typing.get_args(annotation)
    return typing.get_origin(annotation) is not Literal and any(_takes_bool(a) for a in args)


class _Strict(BaseModel):
    # allow_inf_nan=False: 'inf', 'Infinity', '-inf', 'nan' (text or YAML .inf/.nan) are refused everywhere
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, v: Any, info: ValidationInfo) -> Any:
        """true/false is not a number (pydantic would read it as 1/0: finding N-bool-as-number)."""
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(v, bool) and field is not None and not _takes_bool(field.annotation):
            raise ValueError(f"expected a number, got {str(v).lower()}")
        return v
