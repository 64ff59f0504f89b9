"""The people who run the service: the organisation (campuses, branches, departments,
posts), signing in, one's own profile, and the staff administration.

May import `core` only.
"""
