"""Scale and operations: search pieces cut for the hits shown, the search index following
edits, old delivery rows pruned to counts, the daily maintenance, backups, the health
check, and paid broadcasts."""

from __future__ import annotations

from datetime import date

from bot.resolutions.search import Marker, search_terms
from storage.resolutions import MATCH_END, MATCH_START
from tests.conftest import RunBot
from tests.fake_telegram import FakeTelegram
from tests.test_resolutions import publish_direct

FILLER = " ".join(f"Пункт {n} о разном." for n in range(1, 60))


def shown(piece: str) -> str:
    return piece.replace(MATCH_START, "[").replace(MATCH_END, "]")


def test_the_piece_shown_holds_the_most_different_words_found() -> None:
    text = (
        "Тарифы обсуждались в начале. "
        + FILLER
        + " Здесь тарифы на воду и ещё раз тарифах. "
        + FILLER
        + " Ёлки, тарифы на воду и тепло для городов Союза."
    )
    marker = Marker(search_terms("тариф вода тепло"))
    piece = shown(marker.snippet(text))
    assert piece.startswith("…"), piece
    assert not piece.endswith("…"), piece
    assert "[тарифы] на [воду] и [тепло] для городов Союза." in piece  # all three words
    assert "Ёлки" in piece  # letters as written
    assert len(piece.split()) <= 16 + 1

    one = shown(Marker(search_terms("тариф")).snippet(text))  # one word: most found
    assert "Здесь [тарифы] на воду и ещё раз [тарифах]." in one, one
    first = shown(Marker(search_terms("обсуждались")).snippet(text))
    assert first.startswith("Тарифы [обсуждались] в начале."), first
    assert first.endswith("…"), first
    short = shown(Marker(search_terms("ещё")).snippet("Учесть ещё раз."))
    assert short == "Учесть [ещё] раз."  # a short text whole, without "…"
    none = shown(Marker(search_terms("мост")).snippet(FILLER))  # found in the title only
    assert none.startswith("Пункт 1 о разном.")
    assert none.endswith("…")
    assert shown(Marker(search_terms("молодежь")).highlight("О молодёжи")) == "О [молодёжи]"


async def test_search_index_follows_edited_and_deleted_texts(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        await publish_direct(app, "О мостах", "Ремонт мостов через реку.", date(2026, 3, 12))
        await publish_direct(app, "О парках", "Благоустройство парков.", date(2026, 3, 12))
        service = app.services.resolutions
        assert [f.resolution.title for f in await service.search("мост")] == ["О мостах"]

        # no feature edits or deletes a text yet; the index must follow when one does
        await app.db.execute(
            "UPDATE resolutions SET title = 'О дорогах', body = 'Ремонт дорог.' "
            "WHERE title = 'О мостах'"
        )
        assert await service.search("мост") == []
        found = await service.search("дорога")
        assert [shown(f.snippet) for f in found] == ["Ремонт [дорог]."]
        await app.db.execute("DELETE FROM resolutions WHERE title = 'О парках'")
        assert await service.search("парк") == []
        assert [f.resolution.title for f in await service.search("ремонт")] == ["О дорогах"]
