"""Playlists of clips a coach builds for a player or the team, and smart playlists from filters."""
