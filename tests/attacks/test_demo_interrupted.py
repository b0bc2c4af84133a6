"""A demo_setup stopped during its simulated round is not taken for a finished one: running it again
says what happened and how to start over, instead of a demo whose classifier never finished training."""

import pytest
from django.core.management import CommandError, call_command

from ml_worker.models import ClassifierVersion, VersionStatus

pytestmark = pytest.mark.django_db


def test_demo_setup_after_an_interrupted_round_says_to_start_over() -> None:
    ClassifierVersion.objects.create(name="demo-v0", status=VersionStatus.TRAINING, threshold=0.5)
    with pytest.raises(CommandError, match=r"stopped during its simulated round \(demo-v0 is training\)"):
        call_command("demo_setup")
