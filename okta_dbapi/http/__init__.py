"""The HTTP side: one client per connection (``client``) that owns the ``requests`` session, auth
(``auth``), rate-limit pacing (``pacing``), pagination, retries and the mapping of every HTTP,
network and JSON failure to a PEP 249 exception (``errors``).

Layer: below ``sql``/``writes``. May import ``catalog``, ``settings``, ``redact``, ``exceptions`` and
``types``; never the SQL side, the writes, the runner or the PEP 249 face.
"""
