"""Staff: /resolution_new and "Correct" on a card: the resolution dialog (steps in
`handlers/resolutions/steps.py`), its preview, publishing and saving a correction."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from markupsafe import escape

from bot.buttons import Stale, found
from bot.callbacks import ResolutionCb
from bot.dialogs import Ask, Dialog, Labels
from bot.filters import IsStaff, PrivateChat
from bot.resolutions.messages import changes, header_text, text_chunks
from bot.resolutions.service import ResolutionService
from handlers.resolutions.steps import (
    STEPS,
    Ctx,
    ResolutionForm,
    _resolutions,
)
from storage.resolutions import NewResolution, Resolution, VersionConflict

router = Router(name=__name__)
router.message.filter(PrivateChat(), IsStaff())
router.callback_query.filter(IsStaff())


def _shown(new: NewResolution, form: ResolutionForm) -> Resolution:
    """The resolution as it will look (a preview, or the "after" of a correction)."""
    return Resolution(
        id=0,
        status=new.status,
        assembly_date=new.assembly_date,
        city_name=new.city_name,
        city_name_en=None,
        title=new.title,
        body=new.body,
        file_key=new.file_key,
        file_name=new.file_name,
        adopted_id=None,
        draft_id=new.draft_id,
        version=form.version + 1,
    )


async def preview(ctx: Ctx) -> Ask:
    t, form = ctx.t, ctx.draft
    new = form.new()
    shown = _shown(new, form)
    if form.resolution_id is not None:
        return await _preview_correction(ctx, shown)
    chunks = text_chunks(new.body)
    ctx.say(header_text(t, shown, parts=len(chunks)))
    ctx.say(str(escape(chunks[0])))
    resolutions = _resolutions(ctx)
    draft = await resolutions.get(new.draft_id) if new.draft_id else None
    text = t(
        "resolutions.preview",
        parts=len(chunks),
        chars=len(new.body),
        file_name=new.file_name,
        draft=draft.title if draft else None,
        count=len(await resolutions.recipients(new.status)),
        status=new.status.value,
    )
    rows = [
        [(t.plain("resolutions.btn.publish"), "publish", "")],
        [(t.plain("resolutions.btn.replace_text"), "field", "text")],
    ]
    return Ask(text, ctx.keyboard(rows))


async def _preview_correction(ctx: Ctx, shown: Resolution) -> Ask:
    t, form = ctx.t, ctx.draft
    assert form.resolution_id is not None
    before = await _resolutions(ctx).get(form.resolution_id)
    if before is None or before.is_withdrawn:
        raise Stale("resolutions.alert.withdrawn")
    found = changes(t, before, shown)
    text = t(
        "resolutions.preview_edit",
        changes=found,
        resent=before.body != shown.body or before.file_key != shown.file_key,
    )
    rows = [[(t.plain("resolutions.btn.change"), "fields", "")]]
    if found:
        rows.insert(0, [(t.plain("resolutions.btn.save"), "save", "")])
    return Ask(text, ctx.keyboard(rows))


async def publish(ctx: Ctx, message: Message) -> None:
    """Publish; a resolution with the same title and date is asked about first."""
    new = ctx.draft.new()
    same = await _resolutions(ctx).same(new)
    if same is not None and ctx.draft.resolution_id is None:
        await message.edit_reply_markup(reply_markup=None)
        t = ctx.t
        rows = [
            [(t.plain("resolutions.btn.publish_again"), "publish_again", "")],
            [(t.plain("resolutions.btn.change"), "fields", "")],
        ]
        text = t(
            "resolutions.duplicate",
            published_at=same.published_at or same.assembly_date,
            title=same.title,
            date=same.assembly_date,
            status=same.status.value,
        )
        await message.answer(text, reply_markup=ctx.keyboard(rows))
        return
    await publish_again(ctx, message)


async def publish_again(ctx: Ctx, message: Message) -> None:
    if ctx.draft.resolution_id is not None:
        raise Stale
    published = await _resolutions(ctx).publish(ctx.viewer, ctx.draft.new())
    await ctx.finish()  # only now: if publishing failed, the dialog is still there
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        ctx.t(
            "resolutions.published",
            title=published.resolution.title,
            n=published.recipients,
            status=published.resolution.status.value,
            draft_taken=published.draft_taken,
        )
    )


async def save(ctx: Ctx, message: Message) -> None:
    form = ctx.draft
    if form.resolution_id is None:
        raise Stale
    resolutions = _resolutions(ctx)
    done = await resolutions.correct(ctx.viewer, form.resolution_id, form.new(), form.version)
    await ctx.finish()
    await message.edit_reply_markup(reply_markup=None)
    if done is None:
        raise Stale("resolutions.alert.withdrawn")
    if isinstance(done, VersionConflict):
        raise Stale("resolutions.alert.edited_meanwhile")
    await message.answer(ctx.t("resolutions.saved", version=done.after.version, n=done.notified))


dialog = Dialog(
    "rs",
    ResolutionForm,
    STEPS,
    preview=preview,
    actions={"publish": publish, "publish_again": publish_again, "save": save},
    labels=Labels(
        abort="resolutions.btn.abort",
        press="resolutions.error.press",
        text="resolutions.error.text",
        fields="resolutions.edit_menu",
        aborted="resolutions.aborted",
        failed="resolutions.failed",
    ),
    command="resolution_new",
    router=router,
)


@router.callback_query(ResolutionCb.filter(F.action == "edit"))
async def begin_correction(
    query: CallbackQuery,
    callback_data: ResolutionCb,
    message: Message,
    state: FSMContext,
    resolutions: ResolutionService,
    **data: Any,
) -> None:
    resolution = found(await resolutions.get(callback_data.resolution_id))
    if resolution.is_withdrawn:
        raise Stale("resolutions.alert.withdrawn")
    form = ResolutionForm.of(resolution)
    await dialog.edit(message, state, {**data, "resolutions": resolutions}, form)
