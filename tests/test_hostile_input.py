"""Any file, text or fault ends in a clear reply, with the bot still up for everyone else.

Every multi-step conversation is walked to its end; at each of its steps the person first
throws every hostile input of `INPUTS` at the bot (a sticker, a photo, random bytes named
.docx, 5 000 characters, markup, control characters, a forged button...). For each one:
the bot answers (a message, or an alert under a button) with a clear text that is not the
apology for an error, nothing fails in a handler, and the conversation stays where it was:
the step's valid answer is then taken and the conversation goes on to its end. Someone
else's /start is answered at every step meanwhile.

An input that is a valid answer at some step (any short text is an event's title, any
message is a broadcast) is not thrown there: the step lists it in `takes`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from bot.callbacks import CityPickCb, DialogCb, SurveyCb, TopicCb
from tests.conftest import RunBot
from tests.fake_telegram import BotMessage, FakeTelegram, FakeUser
from tests.support import add_people
from tests.test_resolutions import add_contact
from tests.test_surveys import EXAMPLE, VOLOGDA_1, open_example

APOLOGY = "Что-то пошло не так"
BYSTANDER = 7007  # a plain subscriber who must keep getting answers

NOISE = random.Random(2026).randbytes(3000)  # the same "random" bytes on every run
MARKUP = "Отчёт <b>жирный</b> {{ 7*7 }} {% raw %}x{% endraw %} &amp; <script>alert(1)</script>"
CONTROLS = "Итоги\x00\x01\x07\x1b[31m года\u202eцифры\u200b\u200d\ufeff\u2066تقرير\u2069"
LONG = "Очень длинное сообщение. " * 200  # 5 000 characters

Send = Callable[[FakeUser], Awaitable[object]]


@dataclass(frozen=True)
class Hostile:
    name: str
    send: Send
    button: bool = False  # answered by an alert rather than a message
    expect: str | None = None  # what the reply must say


def _document(name: str) -> Send:
    return lambda user: user.send_document(name, NOISE)


INPUTS: list[Hostile] = [
    Hostile("sticker", lambda u: u.send_sticker()),
    Hostile("photo", lambda u: u.send_photo()),
    Hostile("photo+caption", lambda u: u.send_photo(caption=MARKUP)),
    Hostile("voice", lambda u: u.send_voice()),
    Hostile("location", lambda u: u.send_location()),
    Hostile("contact", lambda u: u.send_contact()),
    Hostile("docx", _document("Решение.docx")),
    Hostile("yaml", _document("survey.yaml")),
    Hostile("xlsx", _document("answers.xlsx")),
    Hostile("txt", _document("notes.txt")),
    Hostile("exe", _document("setup.exe")),
    Hostile("blank", lambda u: u.send(" \n\t ")),
    Hostile("long", lambda u: u.send(LONG)),
    Hostile("markup", lambda u: u.send(MARKUP)),
    Hostile("controls", lambda u: u.send(CONTROLS)),
    Hostile("unknown command", lambda u: u.send("/nonsense")),
    Hostile("other command", lambda u: u.send("/subscribe")),
    Hostile("menu button", lambda u: u.send("📅 События"), expect="Ближайших мероприятий"),
    Hostile("edited", lambda u: u.edit_last("Исправленный <b>ответ</b> {{ 7*7 }}")),
    Hostile("garbage button", lambda u: u.press_data("\x00garbage:{{7*7}}:<b>"), button=True),
    Hostile("foreign button", lambda u: u.press_data(FOREIGN[u.id]), button=True),
    Hostile(
        "another survey's button",
        lambda u: u.press_data(SurveyCb(a="go", s=999, c=0).pack()),
        button=True,
    ),
]
NAMES = {hostile.name for hostile in INPUTS}

# Valid-looking data of another conversation, by who presses it (see `foreign`).
FOREIGN: dict[int, str] = {}

MEDIA = frozenset({"sticker", "photo", "photo+caption", "voice", "location", "contact"})
FILES = frozenset({"docx", "yaml", "xlsx", "txt", "exe"})
SHORT_TEXT = frozenset({"markup", "controls"})  # any short text is an answer where text is
ANY_MESSAGE = MEDIA | FILES | SHORT_TEXT | {"blank", "long"}


@dataclass(frozen=True)
class At:
    """A step: `go` is its valid answer, after which the bot's newest message has `then`;
    `takes` are the inputs that are valid answers here (not thrown)."""

    name: str
    go: Send
    then: str
    takes: frozenset[str] = field(default_factory=frozenset)


def typing(text: str) -> Send:
    return lambda user: user.send(text)


def pressing(label: str) -> Send:
    return lambda user: user.press(label)


async def answered_clearly(user: FakeUser, hostile: Hostile) -> str | None:
    """What is wrong with the bot's answer to `hostile` (None: a clear answer)."""
    messages, alerts = len(user.messages()), len(user.callback_answers())
    try:
        await hostile.send(user)
    except AssertionError as error:  # never delivered, or a handler failed
        return str(error).splitlines()[0]
    if hostile.button:
        answers = user.callback_answers()[alerts:]
        if len(answers) != 1 or not answers[0].text:
            return f"no alert, got {[a.text for a in answers]}"
        said = [answers[0].text]
    else:
        said = [m.plain_text for m in user.messages()[messages:]]
        if not said or not all(text.strip() for text in said):
            return f"no reply, got {said}"
    if any(APOLOGY in text for text in said):
        return f"the apology: {said}"
    if hostile.expect and not any(hostile.expect in text for text in said):
        return f"not {hostile.expect!r}: {said}"
    return None


def seen(message: BotMessage) -> str:
    """A message's text and buttons, as the person sees them."""
    return f"{message.plain_text}\n{message.buttons()}"


async def bystander_is_answered(tg: FakeTelegram) -> None:
    other = tg.user(BYSTANDER, first_name="Прохожий")
    before = len(other.messages())
    await other.send("/start")
    assert len(other.messages()) > before


async def walk(
    tg: FakeTelegram,
    user: FakeUser,
    steps: list[At],
    caplog: pytest.LogCaptureFixture,
    foreign: str,
) -> int:
    """Throw every input at every step, then take the step; returns how many were thrown."""
    FOREIGN[user.id] = foreign
    problems: list[str] = []
    thrown = 0
    with caplog.at_level(logging.ERROR):
        for step in steps:
            assert step.takes <= NAMES, step.takes - NAMES
            for hostile in INPUTS:
                if hostile.name in step.takes:
                    continue
                thrown += 1
                wrong = await answered_clearly(user, hostile)
                if wrong is not None:
                    problems.append(f"{step.name} × {hostile.name}: {wrong}")
            await bystander_is_answered(tg)
            before = {m.message_id: seen(m) for m in user.messages()}
            await step.go(user)
            shown = "\n".join(  # what the step's answer brought: new messages, or edited ones
                seen(m) for m in user.messages() if before.get(m.message_id) != seen(m)
            )
            assert step.then in shown, f"{step.name}: {shown!r}; problems so far: {problems}"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not problems, "\n".join(problems)
    assert not errors, errors
    return thrown


# --- staff dialogs --------------------------------------------------------------------------------

EVENT = [
    At("start", typing("/event_new"), "Выберите вид мероприятия"),
    At("kind", pressing("Конференция"), "Напишите название"),
    At("title", typing(MARKUP), "Где проходит", takes=SHORT_TEXT),
    At("city", pressing("Вологда"), "Когда начало", takes=SHORT_TEXT),
    At("start", typing("15.12 10:00"), "Когда окончание"),
    At("end", typing("18:00"), "Выберите формат"),
    At("format", pressing("Очно"), "Укажите место"),
    At("place", typing(CONTROLS), "описание", takes=SHORT_TEXT | {"blank"}),
    At(
        "description",
        pressing("Пропустить"),
        "Так будет выглядеть анонс",
        takes=SHORT_TEXT | {"blank"},
    ),
    At("preview", pressing("✅ Опубликовать"), "опубликовано"),
]

RESOLUTION = [
    At("start", typing("/resolution_new"), "Что публикуем"),
    At("status", pressing("📝 Проект решения"), "Укажите дату"),
    At("date", typing("12.03.2026"), "В каком городе"),
    At("city", pressing("Вологда"), "Напишите заголовок", takes=SHORT_TEXT),
    At("title", typing(MARKUP), "Пришлите текст решения", takes=SHORT_TEXT),
    At(
        "text",
        typing("Собрание решило:\n1. Рекомендовать городам обновить транспорт."),
        "Готово",
    ),
    At("pasted", pressing("✅ Готово, это весь текст"), "Опубликовать"),
    At("preview", pressing("✅ Опубликовать"), "опубликован"),
]

BROADCAST = [
    At("start", typing("/broadcast"), "Новая рассылка"),
    At("message", typing("Уважаемые коллеги! " + MARKUP), "Кому отправить", takes=ANY_MESSAGE),
    At("audience", pressing("Всем подписчикам"), "Так рассылка будет выглядеть"),
    At("preview", pressing("Отправить сейчас"), "Рассылка запущена"),
]

SURVEY_NEW = [
    At("start", typing("/survey_new"), "Пришлите заполненный шаблон"),
    At("file", lambda u: u.send_document("tariffs-2026.yaml", EXAMPLE), "черновик"),
]


@pytest.mark.parametrize(
    ("steps", "foreign"),
    [
        (EVENT, DialogCb(d="bc", a="send").pack()),
        (RESOLUTION, DialogCb(d="ev", a="pick", v="conference").pack()),
        (BROADCAST, DialogCb(d="rs", a="pick", v="draft").pack()),
        (SURVEY_NEW, DialogCb(d="ev", a="publish").pack()),
    ],
    ids=["event_new", "resolution_new", "broadcast", "survey_new"],
)
async def test_staff_dialogs_survive_anything_at_every_step(
    tg: FakeTelegram,
    owner: FakeUser,
    run_owned: RunBot,
    caplog: pytest.LogCaptureFixture,
    steps: list[At],
    foreign: str,
) -> None:
    async with run_owned() as app:
        await add_people(app, tg, [3001])
        thrown = await walk(tg, owner, steps, caplog, foreign)
    assert thrown >= len(steps) * 5


# --- a city contact answering a survey ----------------------------------------------------------

ANSWERING = [
    At("invitation", pressing("▶️ Начать"), "Вопрос 1 из 8"),
    At("number", typing("35,40"), "Вопрос 2 из 8"),
    At("integer", typing("7"), "Вопрос 3 из 8"),
    At("choice", pressing("да"), "Вопрос 4 из 8"),
    At("multi", pressing("транспорт"), "Готово (1)"),
    At("multi marked", pressing("Готово (1)"), "Вопрос 5 из 8"),
    At("yesno", typing("да"), "Вопрос 6 из 8"),
    At("scale", pressing("4"), "Вопрос 7 из 8"),
    At("date", typing("1.12.2026"), "Вопрос 8 из 8"),
    At("text", typing(MARKUP), "Проверьте ответы", takes=SHORT_TEXT),
    At("review", pressing("✅ Отправить ответ"), "Спасибо"),
]


async def test_a_city_contact_answering_survives_anything_at_every_question(
    tg: FakeTelegram, run_bot: RunBot, caplog: pytest.LogCaptureFixture
) -> None:
    async with run_bot() as app:
        await open_example(app, tg)
        ivan = tg.user(VOLOGDA_1)
        foreign = CityPickCb(purpose="request", city_id=1).pack()
        await walk(tg, ivan, ANSWERING, caplog, foreign)
        assert await app.db.fetchval("SELECT status FROM responses") == "submitted"


# --- a member's conversations ---------------------------------------------------------------------

CITY = [
    At("start", typing("/city"), "Контактным лицом какого города"),
    At("choosing", pressing("Вологда"), "Вашу должность"),
    At("position", typing("Начальник отдела"), "Укажите организацию", takes=SHORT_TEXT),
    At("organisation", typing("Администрация города"), "Заявка отправлена", takes=SHORT_TEXT),
]

OFFICE = [
    At("start", typing("✉️ Написать в дирекцию"), "Напишите сообщение для исполнительной дирекции"),
    At(
        "message",
        typing("Вопрос о тарифах " + MARKUP),
        "передано",
        takes=FILES | SHORT_TEXT | {"photo", "photo+caption"},
    ),
]

OFFER = [
    At("start", typing("Когда следующее собрание?"), "Передать"),
    At("offer", pressing("Да, передать"), "передано"),
]

FORGET = [
    At("start", typing("/forget"), "Удалить Ваши данные"),
    At("confirm", pressing("Да, удалить"), "удалены"),
]

SUBSCRIBE = [
    At("start", typing("/subscribe"), "Темы анонсов"),
    At("toggle", pressing("Спорт"), "['Спорт и Спартакиада']"),
    At("done", pressing("Готово"), "Вы получаете анонсы"),
]

LANGUAGE = [
    At("start", typing("/language"), "Выберите язык"),
    At("pick", pressing("English"), "English"),
]


@pytest.mark.parametrize(
    ("steps", "foreign"),
    [
        (CITY, SurveyCb(a="go", s=1).pack()),
        (OFFICE, CityPickCb(purpose="request", city_id=1).pack()),
        (OFFER, DialogCb(d="ev", a="pick", v="conference").pack()),
        (FORGET, TopicCb(topic="sport").pack()),
        (SUBSCRIBE, CityPickCb(purpose="invite", city_id=1).pack()),
        (LANGUAGE, TopicCb(topic="nonsense").pack()),
    ],
    ids=["city", "office", "offer", "forget", "subscribe", "language"],
)
async def test_a_members_conversations_survive_anything_at_every_step(
    tg: FakeTelegram,
    ivan: FakeUser,
    run_ivan: RunBot,
    caplog: pytest.LogCaptureFixture,
    steps: list[At],
    foreign: str,
) -> None:
    async with run_ivan():
        await walk(tg, ivan, steps, caplog, foreign)


async def test_a_comment_on_a_draft_survives_anything(
    tg: FakeTelegram, owner: FakeUser, run_owned: RunBot, caplog: pytest.LogCaptureFixture
) -> None:
    async with run_owned() as app:
        contact = await add_contact(app, tg, 3201, "Кострома")
        for step in RESOLUTION:
            await step.go(owner)
        await app.sender.wait_idle()
        steps = [
            At("start", pressing("💬 Отправить замечания"), "Напишите замечания"),
            At("comment", typing("Предлагаем " + MARKUP), "Спасибо", takes=SHORT_TEXT),
        ]
        await walk(tg, contact, steps, caplog, DialogCb(d="rs", a="pick", v="draft").pack())


async def test_too_many_decimals_get_the_reason_not_the_apology(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    async with run_bot() as app:
        await open_example(app, tg)
        ivan = tg.user(VOLOGDA_1)
        await ivan.press("▶️ Начать")
        await ivan.send("12,555")
        assert "Не больше 2 знаков после запятой" in ivan.last_message().plain_text
        assert "Вопрос 1 из 8" in ivan.last_message().plain_text


async def test_a_menu_button_pressed_in_a_dialog_is_not_taken_as_an_answer(
    tg: FakeTelegram, run_owned: RunBot, owner: FakeUser
) -> None:
    """The reply keyboard stays under a dialog: a menu button (or a command) does what it
    does anywhere, and the dialog still waits for its answer."""
    async with run_owned() as app:
        await owner.send("/broadcast")  # its first step takes any message
        assert "Отправьте сообщение, которое нужно разослать" in owner.last_text()
        await owner.send("📅 События")
        assert owner.last_text().startswith("Ближайших мероприятий пока нет.")
        await owner.send("🌐 Language")  # an English label too
        assert "Выберите язык" in owner.last_text()
        await owner.send("Собрание переносится на 15 декабря.")
        assert owner.last_text().startswith("Кому отправить рассылку?")
        await owner.send("/cancel")

        await owner.send("/city")
        await owner.send("📄 Решения")
        assert owner.last_text() == "Архив решений пока пуст."
        await owner.send("Вологда")
        assert "Укажите, пожалуйста, Вашу должность" in owner.last_text()
        await owner.send("🔔 Подписки")
        assert owner.last_message().plain_text.startswith("Темы анонсов")
        await owner.send("Начальник отдела")
        await owner.send("/events")
        assert owner.last_text().startswith("Ближайших мероприятий пока нет.")
        await owner.send("Мэрия")
        row = await app.db.fetchone("SELECT position, organisation FROM contact_requests")
        assert row is not None
        assert tuple(row) == ("Начальник отдела", "Мэрия")


async def test_a_moving_live_location_is_not_answered_as_an_edit(
    tg: FakeTelegram, run_owned: RunBot, owner: FakeUser
) -> None:
    """Telegram sends each move of a live location as an edited message; only a person's
    edited text or caption gets the "send it anew" reply."""
    async with run_owned():
        await owner.send_location()
        before = len(owner.messages())
        location = {"latitude": 59.22, "longitude": 39.89, "live_period": 900}
        for _ in range(3):
            await owner.send_update({"edited_message": {"location": location}})
        assert len(owner.messages()) == before
        await owner.send("Итоги года")
        await owner.edit_last("Итоги 2026 года")
        assert owner.last_text().startswith("Исправления в уже отправленных сообщениях")
