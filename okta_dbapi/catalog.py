"""The declarative catalog: every table, its columns, its keys and the API operations behind it.

Adding a table means adding a ``Table`` here. The planner picks an operation by matching the keys
bound in the WHERE clause against each operation's ``keys``; the writer does the same for INSERT,
DELETE and EXEC. The SQLAlchemy dialect reflects from this module without any HTTP call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from okta_dbapi.exceptions import NotSupportedError, ProgrammingError

ColumnKind = Literal["string", "datetime", "json", "boolean", "integer"]
Verb = Literal["select", "insert", "delete", "exec"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    description: str = ""


@dataclass(frozen=True)
class Param:
    """A request parameter that is not a path key: a query-string parameter or a header."""

    name: str
    location: Literal["query", "header"]
    kind: ColumnKind = "string"


@dataclass(frozen=True)
class Operation:
    """One Okta API operation, as StackQL names it.

    ``keys`` are the path parameters, named as the WHERE clause names them (``userId``,
    ``factorId``, ``transactionId``); ``key_columns`` says which table column a key is filtered
    through when it is not itself a column (``factorId`` is the factors table's ``id``).
    """

    name: str
    verb: Verb
    method: Literal["GET", "POST", "DELETE"]
    path: str
    keys: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    paginated: bool = False
    returns_list: bool = False
    # "required": the spec requires a request body, so an empty one is sent as {} (Okta then names
    # what is missing); "optional": an empty body is left out (a push verify has none).
    body: Literal["none", "optional", "required"] = "none"
    description: str = ""
    # Okta's resource name in a 404 that means "no such row" rather than an error (a key lookup
    # of a factor that does not exist is empty, while an unknown user stays an error).
    absent_resource: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    schema: str
    columns: tuple[Column, ...]
    # In column order: sqlacodegen and declarative models order a composite key by column position,
    # so reflection, generated models and session.get() tuples then agree.
    primary_key: tuple[str, ...]
    operations: tuple[Operation, ...]
    comment: str
    # A WHERE key that filters a column of another name, e.g. factorId -> id.
    key_columns: dict[str, str] = field(default_factory=dict)
    service: str = "okta"

    @property
    def qualified_name(self) -> str:
        return f"{self.service}.{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column | None:
        lowered = name.lower()
        for c in self.columns:
            if c.name.lower() == lowered:
                return c
        return None

    def operations_for(self, verb: Verb) -> tuple[Operation, ...]:
        return tuple(op for op in self.operations if op.verb == verb)

    def operation(self, name: str) -> Operation | None:
        for op in self.operations:
            if op.name.lower() == name.lower():
                return op
        return None

    def require_operation(self, verb: Verb) -> Operation:
        """The table's operation for a write ``verb``; NotSupportedError when it has none."""
        for op in self.operations:
            if op.verb == verb:
                return op
        raise NotSupportedError(f"{self.qualified_name} is read-only: Okta's API has no {verb.upper()} for it.")

    @property
    def read_only(self) -> bool:
        return all(op.verb == "select" for op in self.operations)


_FACTORS_PATH = "/api/v1/users/{userId}/factors"
_FACTOR_PATH = _FACTORS_PATH + "/{factorId}"

FACTORS = Table(
    name="factors",
    schema="users",
    comment="Enrolled MFA factors of Okta users (UserFactor API). Primary key (id, userId).",
    columns=(
        Column("id", "string", "ID of the factor"),
        Column("_embedded", "json", "Embedded resources, e.g. activation data"),
        Column("_links", "json", "HAL links for the factor's lifecycle operations"),
        Column("created", "datetime", "When the factor was enrolled"),
        Column("factorType", "string", "Type of factor, e.g. sms, push, token:software:totp"),
        Column("lastUpdated", "datetime", "When the factor was last updated"),
        Column("profile", "json", "Factor-specific attributes, e.g. phoneNumber or email"),
        Column("provider", "string", "Provider of the factor, e.g. OKTA, GOOGLE"),
        Column("status", "string", "Status of the factor, e.g. ACTIVE, PENDING_ACTIVATION"),
        Column("vendorName", "string", "Vendor of the factor, usually the provider"),
        Column("userId", "string", "ID of the user the factor belongs to"),
        Column("factorResult", "string", "Result of a verification transaction"),
        Column("transactionId", "string", "ID of a push verification transaction"),
    ),
    primary_key=("id", "userId"),
    key_columns={"factorId": "id"},
    operations=(
        Operation(
            "get_factor_transaction_status",
            "select",
            "GET",
            _FACTOR_PATH + "/transactions/{transactionId}",
            keys=("userId", "factorId", "transactionId"),
        ),
        Operation(
            "get_factor", "select", "GET", _FACTOR_PATH, keys=("userId", "factorId"), absent_resource="UserFactor"
        ),
        Operation("list_factors", "select", "GET", _FACTORS_PATH, keys=("userId",), returns_list=True),
        Operation(
            "enroll_factor",
            "insert",
            "POST",
            _FACTORS_PATH,
            keys=("userId",),
            body="required",
            params=(
                Param("updatePhone", "query", "boolean"),
                Param("templateId", "query"),
                Param("tokenLifetimeSeconds", "query", "integer"),
                Param("activate", "query", "boolean"),
                Param("Accept-Language", "header"),
            ),
        ),
        Operation(
            "unenroll_factor",
            "delete",
            "DELETE",
            _FACTOR_PATH,
            keys=("userId", "factorId"),
            params=(Param("removeRecoveryEnrollment", "query", "boolean"),),
        ),
        Operation(
            "activate_factor",
            "exec",
            "POST",
            _FACTOR_PATH + "/lifecycle/activate",
            keys=("userId", "factorId"),
            body="optional",
        ),
        Operation(
            "resend_enroll_factor",
            "exec",
            "POST",
            _FACTOR_PATH + "/resend",
            keys=("userId", "factorId"),
            body="required",
            params=(Param("templateId", "query"),),
        ),
        Operation(
            "verify_factor",
            "exec",
            "POST",
            _FACTOR_PATH + "/verify",
            keys=("userId", "factorId"),
            body="optional",
            params=(
                Param("templateId", "query"),
                Param("tokenLifetimeSeconds", "query", "integer"),
                Param("X-Forwarded-For", "header"),
                Param("User-Agent", "header"),
                Param("Accept-Language", "header"),
            ),
        ),
    ),
)

USERS = Table(
    name="users",
    schema="users",
    comment="Okta users (read-only): every user, DEPROVISIONED ones included.",
    columns=(
        Column("id", "string", "ID of the user"),
        Column("status", "string", "Lifecycle status, e.g. ACTIVE, SUSPENDED"),
        Column("created", "datetime"),
        Column("activated", "datetime"),
        Column("statusChanged", "datetime"),
        Column("lastLogin", "datetime"),
        Column("lastUpdated", "datetime"),
        Column("passwordChanged", "datetime"),
        Column("transitioningToStatus", "string"),
        Column("realmId", "string"),
        Column("type", "json"),
        Column("profile", "json", "Profile attributes: login, email, firstName, lastName, ..."),
        Column("credentials", "json"),
        Column("_embedded", "json"),
        Column("_links", "json"),
    ),
    primary_key=("id",),
    operations=(
        Operation("get_user", "select", "GET", "/api/v1/users/{id}", keys=("id",)),
        Operation(
            "list_users",
            "select",
            "GET",
            "/api/v1/users",
            paginated=True,
            returns_list=True,
            params=(
                Param("filter", "query"),
                Param("search", "query"),
                Param("q", "query"),
                Param("limit", "query", "integer"),
            ),
        ),
    ),
)

SUPPORTED_FACTORS = Table(
    name="supported_factors",
    schema="users",
    comment="The factors a user may enroll (the user's factor catalog).",
    columns=(
        Column("enrollment", "string", "OPTIONAL or REQUIRED"),
        Column("factorType", "string"),
        Column("provider", "string"),
        Column("status", "string"),
        Column("vendorName", "string"),
        Column("_embedded", "json"),
        Column("_links", "json"),
        Column("userId", "string", "ID of the user"),
    ),
    primary_key=("factorType", "provider", "userId"),
    operations=(
        Operation(
            "list_supported_factors", "select", "GET", _FACTORS_PATH + "/catalog", keys=("userId",), returns_list=True
        ),
    ),
)

SUPPORTED_SECURITY_QUESTIONS = Table(
    name="supported_security_questions",
    schema="users",
    comment="The security questions a user may choose from.",
    columns=(
        Column("question", "string", "Key of the question"),
        Column("questionText", "string", "Text of the question"),
        Column("answer", "string"),
        Column("userId", "string", "ID of the user"),
    ),
    primary_key=("question", "userId"),
    operations=(
        Operation(
            "list_supported_security_questions",
            "select",
            "GET",
            _FACTORS_PATH + "/questions",
            keys=("userId",),
            returns_list=True,
        ),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (FACTORS, USERS, SUPPORTED_FACTORS, SUPPORTED_SECURITY_QUESTIONS)}
SCHEMAS = ("users",)


def resolve_table(parts: list[str] | tuple[str, ...]) -> Table | None:
    """Resolve ``okta.users.X``, ``users.X`` or ``X`` (case-insensitive) to a table."""
    lowered = [p.lower() for p in parts if p]
    if not lowered:
        return None
    table = TABLES.get(lowered[-1])
    if table is None:
        return None
    prefix = lowered[:-1]
    if prefix in ([], [table.schema], [table.service, table.schema]):
        return table
    return None


def require_table(parts: list[str] | tuple[str, ...]) -> Table:
    """``resolve_table``, or a ProgrammingError that names the tables there are."""
    table = resolve_table(parts)
    if table is None:
        known = ", ".join(t.qualified_name for t in TABLES.values())
        raise ProgrammingError(f"Unknown table {'.'.join(parts)!r}. Known tables: {known}.")
    return table
