"""Fine-tuning the injury classifier.

`train` (loop.py) reads top to bottom: load -> tokenize -> (resume) -> epochs of steps -> evaluate -> keep
the best. config.py holds the settings and results, data.py the examples, splits and weights, sift.py the
adversarial regulariser, checkpoint.py the resumable state.
"""

from ml_worker.core.training.config import EpochMetrics, TrainConfig, TrainResult
from ml_worker.core.training.data import TrainExample, stratified_split
from ml_worker.core.training.loop import train

__all__ = ["EpochMetrics", "TrainConfig", "TrainExample", "TrainResult", "stratified_split", "train"]
