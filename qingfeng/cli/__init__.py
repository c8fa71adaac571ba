"""The ``qingfeng`` console script. Each area registers its subcommands from its own module."""
