"""Home services (足不出户): matters handled at the home of a resident who cannot come."""
