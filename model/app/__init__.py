"""The workshop app: a session object, Solara views, a handout and an offline server."""
