"""The ground every domain stands on: errors, money, the business calendar and workdays,
the audit trail (writing: actors and records; reading it back), permissions, photos,
document numbering and rate limits.

Imports nothing else from `server.services`.
"""
