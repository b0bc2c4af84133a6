"""Settings package. ``base`` is the one settings module (env-driven, see ``env``);
``test`` points it at loopback PostgreSQL and Redis first. This file stays empty so
that importing ``gauntlet.settings.test`` reads no environment before it is set."""
