"""The SQL side of reads: parse and bind (``parse``, ``dialect``), decide which API calls answer a
SELECT (``scopes`` resolves names, ``terms`` reads predicates, ``pushdown`` and ``ranges`` decide
what to ask Okta, ``subdomain`` checks the org, ``planner`` picks the calls), fetch their rows
(``fetch``, ``rows``), run the whole statement locally in SQLite (``residual``, ``select``), and
describe the plan (``explain``).

Layer: beside ``writes``, below the runner. May import ``http`` and the ground floor (``catalog``,
``settings``, ``redact``, ``exceptions``, ``types``); never ``writes``, the runner or the PEP 249 face.
"""
