"""The HTTP side: one client per connection (``client``) that owns the ``requests`` session, auth
(``auth``), rate-limit pacing (``pacing``), a statement's deadline and cancellation (``scope``),
pagination, retries and the mapping of every HTTP, network and JSON failure to a PEP 249
exception (``errors``, ``transport``). For OAuth service apps: the private key (``keys``), DPoP
proofs (``dpop``), the process-wide token cache (``tokens``) and ``WWW-Authenticate``
challenges (``challenge``).

Layer: below ``sql``/``writes``. May import ``catalog``, ``settings``, ``redact``, ``exceptions`` and
``types``; never the SQL side, the writes, the runner or the PEP 249 face.
"""
