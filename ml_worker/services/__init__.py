"""Writes of the ml_worker app: registry, scoring, training and live tooling, by subdomain."""
