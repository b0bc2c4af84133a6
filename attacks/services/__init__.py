"""Writes of the attacks app, by subdomain: sessions (rewrite tool and submit), verification
(outcomes, adversarial examples, bonuses), paraphrase batches, the robustness matrix."""
