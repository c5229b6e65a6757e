"""The nodes' copy of master data, built from the hub's signed master feed."""
