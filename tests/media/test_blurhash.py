"""BlurHash encoding against vectors from the published reference algorithm."""

from __future__ import annotations

import random

import pytest

from server.media import blurhash


def test_gradient_vector() -> None:
    pixels = [((x * 255) // 7, (y * 255) // 5, 128) for y in range(6) for x in range(8)]
    assert blurhash.encode(pixels, 8, 6) == "LyI5er3AfQxtz4NKfQnSeXf7fQf7"


def test_noise_vector() -> None:
    rng = random.Random(7)
    pixels = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(30)]
    assert blurhash.encode(pixels, 6, 5) == "LUHxW_.7s4#I{gq,K$r?5Qm]GVyB"


def test_length_follows_the_component_count() -> None:
    pixels = [(10, 20, 30)] * 16
    assert len(blurhash.encode(pixels, 4, 4)) == 4 + 2 * 12
    assert len(blurhash.encode(pixels, 4, 4, x_components=1, y_components=1)) == 6


def test_mismatched_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        blurhash.encode([(0, 0, 0)] * 3, 2, 2)
