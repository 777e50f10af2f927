"""Multi-step staff dialogs as a table of steps.

A dialog (a new event, a resolution, a broadcast) is one typed draft (a pydantic model) and
an ordered list of `Step`s. A step says how to ask (`ask`: text and buttons, or None when
there is nothing to ask), what it takes (typed text, a file, any message, a button value),
and when it applies to the draft. One set of handlers drives every dialog: the draft and
the steps answered live in the FSM data (the persistent SQLite storage, so a restart
continues where it stopped); the next step that applies and is not answered yet is asked,
then the preview is shown, from which the person may change one field and come back.

A step's input function returns the new draft (the dialog moves on), a `Problem` (the
same step stays; the reason is said: a message after typing, an alert under a button),
`Stay` (the input was kept but the step goes on: text pasted in parts, a city toggled), or
`END` (the step finished the dialog itself).

Adding a step: write its `ask` and its input function and put the `Step` in the dialog's
list where it belongs; the state, the buttons (`DialogCb`) and the handlers are the engine's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeAlias, TypeVar

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import BaseModel

from bot.buttons import Stale, message_of
from bot.callbacks import DialogCb
from bot.delivery.parts import TextPart
from bot.filters import NotCommand
from bot.inputs import without_controls
from bot.texts import Texts
from bot.viewer import Viewer

D = TypeVar("D", bound=BaseModel)
T = TypeVar("T")


Ask = TextPart  # a screen: HTML text and its buttons, one message as the outbox sends it


@dataclass(frozen=True, slots=True)
class Problem:
    """The input was not taken: the text key (and its values) saying why."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stay(Generic[D]):
    """The input was kept and the step goes on: `ask` is shown (after a button: in place)."""

    draft: D
    ask: Ask | None = None


class _Ended:
    """The step finished the dialog itself (see `Context.finish`)."""


END: Final = _Ended()

Outcome: TypeAlias = D | Problem | Stay[D] | _Ended


DIALOGS: dict[str, Dialog[Any]] = {}  # by FSM state: what /cancel says on leaving one


@dataclass(frozen=True, slots=True)
class Labels:
    """Text keys of a dialog: its abort button, the problem when a button is expected
    (press) or text is (text), the fields menu title and the abort notice; the skip and
    back-to-preview buttons are the same in every dialog."""

    abort: str
    press: str
    text: str
    fields: str
    aborted: str
    failed: str  # the alert when the final action (publish, save, send) fails
    skip: str = "dialog.skip"
    to_preview: str = "dialog.to_preview"


class Context(Generic[D]):
    """What a step sees: the person, their texts, the draft, the injected services."""

    def __init__(
        self, dialog: Dialog[D], state: FSMContext, data: dict[str, Any], draft: D
    ) -> None:
        self.dialog = dialog
        self.state = state
        self.data = data
        self.viewer: Viewer = data["viewer"]
        self.t: Texts = self.viewer.texts
        self.draft = draft
        self.said: list[str] = []  # sent before the next screen (HTML)

    def get(self, name: str, kind: type[T]) -> T:
        """A service aiogram injects under `name` (bot.app.Services)."""
        value = self.data[name]
        if not isinstance(value, kind):
            raise TypeError(f"{name!r} is not a {kind.__name__}")
        return value

    def say(self, html: str) -> None:
        self.said.append(html)

    def keyboard(
        self, rows: Sequence[Sequence[tuple[str, str, str]]], *, abort: bool = True
    ) -> InlineKeyboardMarkup:
        """Rows of (label, action, value) buttons, then Cancel."""
        name = self.dialog.name

        def button(label: str, action: str, value: str) -> InlineKeyboardButton:
            data = DialogCb(d=name, a=action, v=value).pack()
            return InlineKeyboardButton(text=label, callback_data=data)

        markup = [[button(*item) for item in row] for row in rows]
        if abort:
            markup.append([button(self.t.plain(self.dialog.labels.abort), "abort", "")])
        return InlineKeyboardMarkup(inline_keyboard=markup)

    def options(self, items: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
        """One "pick" button a row: (label, value)."""
        return self.keyboard([[(label, "pick", value)] for label, value in items])

    async def finish(self) -> None:
        """The dialog is over (published, sent, scheduled)."""
        await self.state.clear()


Asker = Callable[[Context[D]], Awaitable[Ask | None]]
Preview = Callable[[Context[D]], Awaitable[Ask]]
TextInput = Callable[[Context[D], str], Awaitable[Outcome[D]]]
MessageInput = Callable[[Context[D], Message], Awaitable[Outcome[D]]]
Action = Callable[[Context[D], Message], Awaitable[None]]


def _always(draft: Any) -> bool:
    return True


@dataclass(frozen=True)
class Step(Generic[D]):
    name: str
    ask: Asker[D]
    typed: TextInput[D] | None = None  # typed text
    pressed: TextInput[D] | None = None  # the value of one of its "pick" buttons
    file: MessageInput[D] | None = None  # a document
    message: MessageInput[D] | None = None  # any message (typed and file are then unused)
    skip: Callable[[D], D] | None = None  # offers a Skip button that does this
    applies: Callable[[D], bool] = _always
    resets: tuple[str, ...] = ()  # answering this one asks these again
    label: str = ""  # the text key of its button in the fields menu ("": not offered)
    not_expected: str = ""  # the text key when it gets something it does not take

    @property
    def takes_input(self) -> bool:
        return any((self.typed, self.file, self.message))


def cancelled_text(state: str | None, stored: dict[str, Any], texts: Texts) -> str | None:
    """What /cancel says when it leaves a step dialog (its own abort notice, which knows a
    new draft from an edit); None for any other state."""
    dialog = DIALOGS.get(state or "")
    if dialog is None:
        return None
    draft = dialog.model.model_validate(stored.get("draft") or {})
    return texts(dialog.labels.aborted, draft=draft)


class Dialog(Generic[D]):
    """One staff dialog; its handlers go on `router` (include that in the feature's)."""

    def __init__(
        self,
        name: str,
        model: type[D],
        steps: Sequence[Step[D]],
        *,
        preview: Preview[D],
        actions: dict[str, Action[D]],
        labels: Labels,
        command: str,
        router: Router,
    ) -> None:
        """`command` starts the dialog with an empty draft (the router's filters apply)."""
        self.name = name
        self.model = model
        self.steps = {step.name: step for step in steps}
        self.order = [step.name for step in steps]
        self.preview = preview
        self.actions = actions
        self.labels = labels
        self.state = State(state="step", group_name=f"dialog_{name}")
        DIALOGS[str(self.state.state)] = self
        self._register(router)

        @router.message(Command(command))
        async def begin(message: Message, state: FSMContext, **data: Any) -> None:
            await self.start(message, state, data, model())

    # --- called by the feature's handlers and actions -----------------------------------------

    async def start(
        self, message: Message, state: FSMContext, data: dict[str, Any], draft: D
    ) -> None:
        """A new dialog: the first step is asked."""
        await state.clear()
        await state.set_state(self.state)
        context = Context(self, state, data, draft)
        await self._save(context, step="", answered=[])
        await self._advance(context, message)

    async def edit(
        self, message: Message, state: FSMContext, data: dict[str, Any], draft: D
    ) -> None:
        """Change something existing: every step that applies counts as answered, and
        the fields menu is shown."""
        await state.clear()
        await state.set_state(self.state)
        context = Context(self, state, data, draft)
        answered = [name for name in self.order if self.steps[name].applies(draft)]
        await self._save(context, step="", answered=answered)
        await self._fields(context, message)

    async def advance(self, context: Context[D], message: Message) -> None:
        """Save the draft and ask what is still missing (an action that changed the draft)."""
        await self._save(context)
        await self._advance(context, message)

    # --- the engine ---------------------------------------------------------------------------

    async def _load(self, state: FSMContext, data: dict[str, Any]) -> tuple[Context[D], str]:
        stored = await state.get_data()
        draft = self.model.model_validate(stored.get("draft") or {})
        return Context(self, state, data, draft), str(stored.get("step") or "")

    async def _answered(self, context: Context[D]) -> list[str]:
        return list((await context.state.get_data()).get("answered", []))

    async def _save(
        self,
        context: Context[D],
        *,
        step: str | None = None,
        answered: list[str] | None = None,
        done: Step[D] | None = None,
    ) -> None:
        """Store the draft; steps that no longer apply (or that `done` resets) are no longer
        answered, so they are asked again when they apply again."""
        names = await self._answered(context) if answered is None else answered
        if done is not None:
            names = [n for n in names if n not in done.resets and n != done.name] + [done.name]
        draft = context.draft
        values: dict[str, Any] = {
            "draft": draft.model_dump(mode="json"),
            "answered": [n for n in names if n in self.steps and self.steps[n].applies(draft)],
        }
        if step is not None:
            values["step"] = step
        await context.state.update_data(values)

    async def _advance(self, context: Context[D], message: Message) -> None:
        """Ask the next step that applies and is not answered yet; else the preview."""
        while True:
            answered = await self._answered(context)
            step = next(
                (
                    self.steps[n]
                    for n in self.order
                    if n not in answered and self.steps[n].applies(context.draft)
                ),
                None,
            )
            if step is None:
                await self._save(context, step="")
                await self._show(context, message, await self.preview(context))
                return
            await self._save(context, step=step.name)
            if await self._ask(context, message, step):
                return
            await self._save(context, done=step)  # nothing to ask there

    async def _ask(self, context: Context[D], message: Message, step: Step[D]) -> bool:
        ask = await step.ask(context)
        if ask is None:
            return False
        if ask.reply_markup is None:
            skip = [[(context.t.plain(self.labels.skip), "skip", "")]] if step.skip else []
            ask = Ask(ask.text, context.keyboard(skip))
        await self._show(context, message, ask)
        return True

    async def _show(self, context: Context[D], message: Message, ask: Ask) -> None:
        for html in context.said:
            await message.answer(html)
        context.said.clear()
        await message.answer(ask.text, reply_markup=ask.reply_markup)

    async def _fields(self, context: Context[D], message: Message) -> None:
        t = context.t
        names = [
            name
            for name in self.order
            if self.steps[name].label and self.steps[name].applies(context.draft)
        ]
        rows = [
            [(t.plain(self.steps[n].label), "field", n) for n in names[i : i + 2]]
            for i in range(0, len(names), 2)
        ]
        rows.append([(t.plain(self.labels.to_preview), "preview", "")])
        text = t(self.labels.fields, draft=context.draft)
        await self._show(context, message, Ask(text, context.keyboard(rows)))

    async def _apply(
        self,
        context: Context[D],
        message: Message,
        step: Step[D],
        outcome: Outcome[D],
        *,
        pressed: bool,
    ) -> None:
        if isinstance(outcome, _Ended):
            return
        if isinstance(outcome, Problem):
            if pressed:
                raise Stale(outcome.key, **outcome.values)
            await message.answer(context.t(outcome.key, **outcome.values))
            return
        if isinstance(outcome, Stay):
            context.draft = outcome.draft
            await self._save(context)
            if outcome.ask is not None and pressed:
                with suppress(TelegramBadRequest):
                    await message.edit_text(outcome.ask.text, reply_markup=outcome.ask.reply_markup)
            elif outcome.ask is not None:
                await self._show(context, message, outcome.ask)
            return
        if pressed:
            await _drop_buttons(message)
        context.draft = outcome
        await self._save(context, done=step)
        await self._advance(context, message)

    # --- handlers -----------------------------------------------------------------------------

    def _register(self, router: Router) -> None:
        in_dialog = StateFilter(self.state)
        mine = DialogCb.filter(F.d == self.name)

        @router.message(in_dialog, NotCommand())
        async def received(message: Message, state: FSMContext, **data: Any) -> None:
            context, name = await self._load(state, data)
            step = self.steps.get(name)
            outcome: Outcome[D] | None = None
            if step is not None and step.message is not None:
                outcome = await step.message(context, message)
            elif step is not None and message.text is not None and step.typed is not None:
                outcome = await step.typed(context, without_controls(message.text))
            elif step is not None and message.document is not None and step.file is not None:
                outcome = await step.file(context, message)
            if step is None or outcome is None:
                key = self.labels.press
                if step is not None and step.takes_input:
                    key = step.not_expected or self.labels.text
                await message.answer(context.t(key))
                return
            await self._apply(context, message, step, outcome, pressed=False)

        # Cancel works under a dialog already left too (the message then just says so).
        @router.callback_query(DialogCb.filter((F.d == self.name) & (F.a == "abort")))
        async def abort(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
            message = message_of(query)
            draft = self.model.model_construct()
            if await state.get_state() == self.state.state:
                draft = (await self._load(state, data))[0].draft
                await state.clear()
            text = Context(self, state, data, draft).t(self.labels.aborted, draft=draft)
            with suppress(TelegramBadRequest):
                await message.edit_text(text, reply_markup=None)

        @router.callback_query(in_dialog, mine, flags={"failure": self.labels.failed})
        async def pressed(
            query: CallbackQuery, callback_data: DialogCb, state: FSMContext, **data: Any
        ) -> None:
            message = message_of(query)
            context, name = await self._load(state, data)
            action, value = callback_data.a, callback_data.v
            step = self.steps.get(name)
            if action in self.actions:
                await self.actions[action](context, message)
            elif action == "pick" and step is not None and step.pressed is not None:
                outcome = await step.pressed(context, value)
                await self._apply(context, message, step, outcome, pressed=True)
            elif action == "skip" and step is not None and step.skip is not None:
                outcome = step.skip(context.draft)
                await self._apply(context, message, step, outcome, pressed=True)
            elif action == "field" and value in self.steps:
                await _drop_buttons(message)
                await self._save(context, step=value)
                await self._ask(context, message, self.steps[value])
            elif action == "fields":
                await _drop_buttons(message)
                await self._save(context, step="")
                await self._fields(context, message)
            elif action == "preview":
                await _drop_buttons(message)
                await self._advance(context, message)
            else:
                raise Stale


async def _drop_buttons(message: Message) -> None:
    """The dialog moves on: the pressed prompt loses its buttons (no stale presses later)."""
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)
