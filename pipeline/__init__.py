"""Floor 1: what a Sportel pipeline *is*.

Domain types, the service catalog model, the step plan, settings and the error tree. Nothing here does
I/O at import or imports anything heavier than pydantic.
"""
