"""Supervision (督查): 好差评 records, rectification of bad reviews, 办不成事反映."""
