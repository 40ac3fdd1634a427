"""Teams from the browser: start one, invite people by link, set roles, remove members, leave.

Mounted at ``/teams/`` (and ``/join/<token>`` for invite links, ``/accounts/signup/`` for new
accounts). The rules: whoever starts a team is its first coach; a team's coaches invite, change
roles and remove members; anyone may leave; a team always keeps at least one coach.
"""
