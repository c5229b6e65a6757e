"""一件事一次办: packages of related items applied for once, one child case per item."""
