"""Hostile-server tests: the client's promises against a server that misbehaves on purpose.

``server.py`` is a small HTTP/1.1 server (standard library only: raw sockets, a
thread per connection) that answers ``POST /graphql`` with whatever behaviour a
test gives it; ``behaviours.py`` is the catalogue of misbehaviours (drips, lying
lengths, bombs, huge bodies, wrong shapes, resets); ``harness.py`` runs one call
of either client against it under a hard guard and checks the texts for the token.
"""
