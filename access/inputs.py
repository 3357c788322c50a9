"""What clients send to the access workflow: validated bodies for projects, requests, decisions and reasons."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


Column = Annotated[str, StringConstraints(min_length=1, max_length=200)]


DatasetId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{1,64}$")]


class Body(BaseModel):
    """Request bodies refuse unknown fields: a client cannot set `state`, `end_date`, `decided_by`, ..."""

    model_config = ConfigDict(extra="forbid")


class ProjectIn(Body):
    title: Name
    purpose: Text
    members: list[Annotated[str, StringConstraints(min_length=1, max_length=150)]] = Field(default=[], max_length=200)
    principal_investigator: str | None = None
    organisation: Name | None = None


class RequestIn(Body):
    project_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    datasets: list[DatasetId] = Field(min_length=1, max_length=50)
    columns: dict[DatasetId, list[Column]] = Field(default={}, max_length=50)
    purpose: Text
    duo_codes: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(default=[], max_length=30)
    legal_basis: Name
    duration_days: int | None = Field(default=None, ge=1, le=3650)
    accept_terms: list[DatasetId] | bool = False

    @field_validator("datasets")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class RequestUpdate(Body):
    """Changes to a draft or returned request (the project cannot change)."""

    datasets: list[DatasetId] | None = Field(default=None, min_length=1, max_length=50)
    columns: dict[DatasetId, list[Column]] | None = Field(default=None, max_length=50)
    purpose: Text | None = None
    duo_codes: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=30
    )
    legal_basis: Name | None = None
    duration_days: int | None = Field(default=None, ge=1, le=3650)
    accept_terms: list[DatasetId] | bool | None = None


class DecisionIn(Body):
    decision: Literal["approve", "reject", "return"]
    reason: Text
    datasets: list[DatasetId] | None = Field(default=None, min_length=1, max_length=50)
    columns: list[Column] | dict[DatasetId, list[Column]] | None = None
    row_filter: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None
    end_date: date | None = None
    # Approved columns the project sees only as its keyed pseudonyms (`access.pseudonyms`), e.g. patient ids;
    # a list applies to every dataset decided, a mapping names them per dataset.
    pseudonymise: list[Column] | dict[DatasetId, list[Column]] | None = None

    @field_validator("row_filter")
    @classmethod
    def _plain_filter(cls, value: str | None) -> str | None:
        # The sandbox compiles the filter into a view; statement separators and comments have no place in it.
        if value is not None and any(bad in value for bad in (";", "--", "/*", "*/")):
            raise ValueError("a row filter is one boolean expression, without ';' or comments")
        return value


class ReasonIn(Body):
    reason: Text | None = None
    datasets: list[DatasetId] | None = Field(default=None, min_length=1, max_length=50)
