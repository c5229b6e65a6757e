"""Exchange with the provincial platform through the front-end exchange database (前置交换库)."""
