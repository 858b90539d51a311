"""messaging_app: a chat REST API on the Python standard library.

Users register, log in with JSON Web Tokens, open conversations and send
messages that only the participants can read. ``python -m messaging_app
serve`` runs it; see README.md for the commands and settings.
"""
