"""The past-tense heuristic: warn on texts that read as past tense, never on present."""

import pytest

from domain.tense import past_markers, reads_as_past_tense


@pytest.mark.parametrize("text", [
    "Sam built a tower and counted the bricks.",
    "Amara jumped in the puddles.",
    "Today Leo went to the garden and dug for worms.",
    "She was very happy when she painted the picture.",
    "Noah climbed the frame and waved.",
])
def test_past_tense_texts_warn(text):
    assert reads_as_past_tense(text)


@pytest.mark.parametrize("text", [
    "Sam builds a tower and counts the bricks.",
    "Amara is jumping in the puddles.",
    "Leo is excited and has climbed to the top.",
    "Noah lies on the red bed and needs a story.",
    "Mia looks tired; she is interested in the seeds.",
    "",
])
def test_present_tense_texts_do_not_warn(text):
    assert not reads_as_past_tense(text)


def test_a_tie_goes_to_the_writer():
    assert past_markers("Sam was in the garden. He is digging.") == ["was"]
    assert not reads_as_past_tense("Sam was in the garden. He is digging.")


def test_words_after_a_form_of_be_or_have_are_not_past_markers():
    assert past_markers("He is excited, has finished and seems interested.") == []
