"""One spider per edition of each outlet, built on a shared base spider."""
