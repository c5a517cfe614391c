"""Floor 4: the workers. Thin dramatiq actors around the steps in :mod:`workers.steps`.

Each step loads its input by id, calls one pure stage, stores the result keyed by (subject, step,
version) so that a redelivered message does no harm, and names the next steps. The actors only enqueue
what a step names. Brokers are built explicitly from settings (never dramatiq's implicit default).
"""
