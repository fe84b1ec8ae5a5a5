"""The word-error-rate helper itself (fast, no model)."""

from captions_support import edit_distance, normalise, wer


def test_normalise_drops_case_and_punctuation():
    assert normalise("Hello, World! It's me.") == ["hello", "world", "it's", "me"]


def test_edit_distance_counts_sub_ins_del():
    assert edit_distance(["a", "b", "c"], ["a", "b", "c"]) == 0
    assert edit_distance(["a", "b", "c"], ["a", "x", "c"]) == 1
    assert edit_distance(["a", "b", "c"], ["a", "b"]) == 1
    assert edit_distance(["a", "b"], ["a", "b", "c", "d"]) == 2
    assert edit_distance([], ["a"]) == 1


def test_wer_is_errors_over_reference_words():
    assert wer("The cat sat.", "the cat sat") == 0.0
    assert wer("one two three four", "one too three") == 0.5
