from capkit.packs.testing import capkit_data_dir  # noqa: F401  (fixture: a private user data folder)
