"""Imported once by the session workers' fork server (:mod:`actlab.web.workers`): loads the whole
catalog and trains one session a step, so every worker forked from it starts warm (a cold one
spends about half a second importing catalog modules before its first frame).
"""

from __future__ import annotations

from actlab.web.session import Session, hello

hello()  # every activation record and data set
Session().tick()  # the engine's kernels and caches on the default setup
