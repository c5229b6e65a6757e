"""Case intake and actions on any tier: the business functions behind /cases."""
