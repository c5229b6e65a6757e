"""Supervision (督查): warning levels, overdue cases, figures by unit and month, monthly notice."""
