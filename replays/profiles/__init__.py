"""The game-profile editor: services (versions, import/export, built-ins), views and URLs.

Mounted at ``/profiles/``; the models (GameProfile, ProfileVersion) stay in ``replays.models``.
"""
