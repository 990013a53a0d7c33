"""What decided it: the sentences that close the Compare page, from the run's own numbers."""

from dataclasses import replace

from dashboard import verdict
from pipeline.evaluation import EvaluationResult
from tests.test_dashboard_story import calibrated, result


def costed(strategy: str, accuracy: float, *, rows: int, real: int, seconds: float, mb: float,
           ece_before: float = 0.2, ece_after: float = 0.03) -> EvaluationResult:
    """A calibrated ``result`` with the costs of one fold: rows trained on, real ones, fit time and MB."""
    checked = calibrated(strategy, [(0.5, 0.7, 400)], [(0.7, 0.7, 400)], ece_before, ece_after)
    return replace(checked, metrics=replace(checked.metrics, accuracy=accuracy), training_rows=rows,
                   real_training_rows=real, fit_seconds=seconds, training_mb=mb)


def test_when_class_weights_and_oversampling_tie_the_measured_costs_decide():
    weights = costed("class_weights", 0.700, rows=1600, real=1600, seconds=0.5, mb=2.0, ece_before=0.08)
    copies = costed("oversample", 0.705, rows=9000, real=1600, seconds=1.5, mb=11.25, ece_before=0.21)
    knn = (result("class_weights", 0.62), result("oversample", 0.55))
    sentences = verdict.what_decided_it("Class weights", weights, "Random oversampling", copies, neighbours=knn)
    assert sentences == [
        "**Class weights** and **Random oversampling** tie on accuracy and macro-AP, so what each costs decides.",
        "**Random oversampling** trained on 9,000 rows per fold, 7,400 of them copies; **Class weights** on the "
        "1,600 real ones.",
        "Fits took 1.50 s against 0.50 s per fold (×3.0).",
        "Each fold's model held 11.2 MB of training data against 2.0 MB (×5.6).",
        "Confidence was off by 8.0 points with **Class weights** and 21.0 with **Random oversampling** before "
        "calibration (ECE; 3.0 and 3.0 after).",
        "On the nearest-neighbour model, **Random oversampling** instead of class weights moved accuracy "
        "62.0% → 55.0% (-7.0 points), macro-AP 45.0% → 45.0% (+0.0 points).",
    ]


def test_the_costs_are_stated_as_measured_even_when_they_favour_the_sampler():
    weights = costed("class_weights", 0.70, rows=1600, real=1600, seconds=2.0, mb=2.0)
    smote = costed("smote", 0.70, rows=1700, real=1600, seconds=1.0, mb=2.1)
    sentences = verdict.what_decided_it("Class weights", weights, "SMOTE", smote)
    assert "**SMOTE** trained on 1,700 rows per fold, 100 of them synthetic; **Class weights** on the 1,600 real " \
           "ones." in sentences
    assert "Fits took 1.00 s against 2.00 s per fold (×0.5)." in sentences
    assert not any("nearest-neighbour" in s for s in sentences), "no stored neighbour results: no sentence"


def test_when_they_do_not_tie_the_winner_and_its_lead_are_named_instead():
    weights = costed("class_weights", 0.60, rows=1600, real=1600, seconds=0.5, mb=2.0)
    copies = costed("oversample", 0.70, rows=9000, real=1600, seconds=1.5, mb=11.0)
    assert verdict.what_decided_it("Class weights", weights, "Random oversampling", copies) == [
        "**Random oversampling** wins on accuracy by 10.0 points, more than sampling noise."]
    assert verdict.what_decided_it("Class weights", copies, "Random oversampling", weights) == [
        "**Class weights** wins on accuracy by 10.0 points, more than sampling noise."]


def test_results_stored_before_costs_were_counted_skip_those_sentences():
    weights, copies = result("class_weights", 0.70), result("oversample", 0.70)
    sentences = verdict.what_decided_it("Class weights", weights, "Random oversampling", copies)
    assert len(sentences) == 2 and sentences[1].startswith("Fits took 1.00 s against 1.00 s")
