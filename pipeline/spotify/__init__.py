"""Everything that talks to Spotify (and ReccoBeats), in the order a request meets it.

settings → auth → client with retries → fetch / features / export:

- `settings`: the client ID (and optional secret) from the environment or ``.streamlit/secrets.toml``.
- `auth`: log-in (PKCE, or the secret's flow), a 0600 token file, refresh that keeps granted scopes.
- `redaction`: secrets registered here never reach a log line, an error or an export.
- `retry`: one policy for 429 (bounded total wait) and 5xx (bounded attempts) on every call.
- `client`: Spotipy wrapped with that policy; Spotify's errors become messages a user can act on.
- `store`: small JSON caches (fetched pages, audio features) written privately.
- `fetch`: playlists and liked songs into a `Library` (and a saved folder).
- `features`: audio features from Spotify or, where refused, ReccoBeats.
- `export`: plan, confirm and add suggestions to a playlist — never a duplicate.

The rest of `pipeline` never imports this package at module level: a demo or CSV run needs no Spotify.
"""
