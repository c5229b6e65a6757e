"""Delegation batches (下放 / 委托) and who handles an item where."""
