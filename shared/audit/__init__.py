"""The security audit log (安全审计日志) every tier keeps: logins, changes, views, exports.

Append-only and hash-chained per node (``shared.chain``, as the certificate usage log),
sealed in monthly segments, pruned only after the retention, sent upstream with the sync
and chain-checked by the receiver. See docs/security.md, "Audit log".
"""
