"""Floor 3.5: everything about personal data: detection, redaction and its proof, who may see what, and
the tamper-evident audit trail of every access."""
