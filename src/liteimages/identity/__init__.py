"""Identity: accounts (domains), projects, users, access keys, grants and tokens."""
