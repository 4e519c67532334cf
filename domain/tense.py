"""Does an observation read as past tense? A simple heuristic, for a warning only.

The policy says observations are written in the present tense ("Amara builds a
tower", "Amara is building a tower"). The service warns, never refuses, so a
simple, predictable rule is enough:

1. Split the text into lower-case words.
2. Count *past markers*: common irregular past-tense verbs ("was", "went", "built",
   ...), and words ending in "-ed" that are not in a short list of ordinary words
   ending in "ed" ("bed", "red", "need", "shed", ...) and do not follow a word
   that makes them a present-tense form or an adjective ("is excited", "has
   climbed", "looks tired", "very interested").
3. Count *present markers*: present-tense forms of "be", "have" and "do", and
   common present-tense verbs ending in "-s" ("builds", "says", "plays", ...) from
   a short list.
4. The text reads as past tense when it has more past markers than present ones.

So "Sam built a tower and counted the bricks" warns; "Sam builds a tower and
counts the bricks" and "Sam is excited and has climbed to the top" do not. A text
mixing both ("Sam was in the garden. He is digging.") does not warn: tie goes to
the writer.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

IRREGULAR_PAST = frozenset([
    "was", "were", "did", "went", "had", "said", "made", "took", "came", "saw", "ran", "ate",
    "drank", "drew", "sat", "stood", "built", "found", "gave", "got", "knew", "thought",
    "told", "wrote", "began", "brought", "bought", "caught", "chose", "fell", "felt", "held",
    "kept", "left", "lost", "sang", "slept", "threw", "won", "drove", "rode", "swam", "spoke",
    "broke", "forgot", "hid", "heard", "met", "paid", "sent", "shook", "stuck", "swung",
    "taught", "understood", "woke", "wore", "dug", "fought", "flew", "grew", "blew", "spun",
    "spent", "lit", "lay", "led", "meant", "mixed", "hung", "bit", "became"
])

NOT_PAST_ED = frozenset([
    "bed", "red", "shed", "need", "needed", "seed", "seaweed", "speed", "sled", "sledge",
    "fed", "weed", "bred", "bleed", "feed", "reed", "breed", "greed", "steed", "tweed",
    "embed", "hundred", "sacred", "naked", "wicked", "rugged", "ragged", "crooked", "beloved",
    "kindred", "led", "shred", "ed", "ned", "ted", "fred", "zed"
]) - {"needed", "fed", "led"}

MAKES_ADJECTIVE = frozenset([
    "is", "are", "am", "be", "been", "being", "has", "have", "looks", "look", "seems", "seem",
    "feels", "feel", "gets", "get", "very", "so", "really", "too", "more", "most", "quite",
    "becomes", "become", "not", "isn't", "aren't", "appears", "appear"
])

PRESENT = frozenset([
    "is", "are", "am", "has", "have", "does", "do", "says", "goes", "plays", "builds",
    "makes", "takes", "shows", "uses", "tries", "explores", "likes", "loves", "enjoys",
    "looks", "points", "watches", "listens", "counts", "names", "draws", "paints", "climbs",
    "runs", "jumps", "sings", "reads", "writes", "sits", "stands", "walks", "talks", "asks",
    "tells", "gives", "finds", "sees", "holds", "picks", "puts", "pours", "fills", "shares",
    "waits", "helps", "notices", "chooses", "moves", "throws", "kicks", "catches", "rolls",
    "stacks", "sorts", "matches", "laughs", "smiles", "says", "isn't", "aren't", "doesn't",
    "can", "can't", "will"
])


def past_markers(text: str) -> list[str]:
    """The words that make the text read as past tense, in order."""
    words = WORD.findall((text or "").lower())
    found = []
    for index, word in enumerate(words):
        before = words[index - 1] if index else ""
        if word in IRREGULAR_PAST or (
                word.endswith("ed") and len(word) > 3 and word not in NOT_PAST_ED
                and before not in MAKES_ADJECTIVE):
            found.append(word)
    return found


def present_markers(text: str) -> list[str]:
    """The present-tense words the heuristic recognises, in order."""
    return [w for w in WORD.findall((text or "").lower()) if w in PRESENT]


def reads_as_past_tense(text: str) -> bool:
    """Whether the text has more past-tense markers than present-tense ones."""
    return len(past_markers(text)) > len(present_markers(text))
