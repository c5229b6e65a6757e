"""Regions (county, towns, villages) and county departments: the hub's organisation data."""
