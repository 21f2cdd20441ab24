"""One spider per edition of the outlet, built on a shared base spider."""
