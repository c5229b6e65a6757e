"""The county's catalog of service items (实施清单), with immutable versions."""
