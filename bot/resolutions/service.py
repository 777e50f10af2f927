"""Resolutions of the General Assembly: publishing, the archive, search, comments on drafts.

A resolution goes out through the outbox as a header, its text split within Telegram's
limit (see `bot.resolutions.messages`: whole paragraphs, numbers kept with their items, the
visible length counted, each piece escaped after the cut) and the original file. Drafts go
to the assemblies topic and to every city contact, with a button to send comments; the
comment reaches the staff, and a staff answer reaches its author (personal notices).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass

from bot.clock import Clock
from bot.delivery.notify import Notifier
from bot.delivery.outbox import Outbox
from bot.delivery.parts import render_payload
from bot.resolutions.search import Found, found, fts_query, search_terms
from bot.services.people import PeopleService
from bot.topics import Topic
from bot.viewer import Viewer
from storage.audit import AuditRepo
from storage.contacts import ContactRepo, Notice
from storage.files import FileRepo
from storage.outbox import NewJob
from storage.resolutions import (
    Comment,
    Corrected,
    NewResolution,
    Resolution,
    ResolutionRepo,
    Version,
    VersionConflict,
    Withdrawn,
)
from storage.subscriptions import SubscriptionRepo
from storage.values import ResolutionStatus

TITLE_MAX = 500
COMMENT_MAX = 3000  # with the title and the author's name, a notice stays one message
BODY_MAX = 300_000  # characters: far beyond any resolution, short of a mistake


@dataclass(frozen=True, slots=True)
class Published:
    resolution: Resolution
    recipients: int
    draft_taken: bool = False  # the chosen draft was adopted by another text meanwhile


@dataclass(eq=False)
class ResolutionService:
    repo: ResolutionRepo
    files: FileRepo
    subscriptions: SubscriptionRepo
    contacts: ContactRepo
    people: PeopleService
    outbox: Outbox
    notifier: Notifier
    audit: AuditRepo
    clock: Clock
    _: KW_ONLY
    channel_id: int | None

    # --- the archive --------------------------------------------------------------------------

    async def get(self, resolution_id: int) -> Resolution | None:
        return await self.repo.get(resolution_id)

    async def years(self) -> list[int]:
        return await self.repo.years()

    async def of_year(self, year: int) -> list[Resolution]:
        return await self.repo.of_year(year)

    async def open_drafts(self) -> list[Resolution]:
        return await self.repo.open_drafts()

    async def same(self, new: NewResolution) -> Resolution | None:
        """A current resolution of the same status, title and date (publishing it again
        would show it twice in the archive, search and digest)."""
        return await self.repo.same(new.status, new.title, new.assembly_date)

    async def versions(self, resolution_id: int) -> list[Version]:
        return await self.repo.versions(resolution_id)

    async def received(self, resolution_id: int) -> int:
        return await self.repo.received(resolution_id, self.channel_id)

    async def comments_of(self, resolution_id: int) -> list[Comment]:
        return await self.repo.comments_of(resolution_id)

    async def search(self, words: str) -> list[Found]:
        terms = search_terms(words)
        if not terms:
            return []
        return found(await self.repo.search(fts_query(terms)), terms)

    # --- publishing ---------------------------------------------------------------------------

    async def keep_file(
        self, unique_id: str, filename: str, content: bytes, mime_type: str | None, file_id: str
    ) -> str:
        """Store a file staff sent (its Telegram id too: it is re-sent without an upload)."""
        key = f"upload-{unique_id}"
        await self.files.put(key, filename, content, mime_type=mime_type, now=self.clock.now())
        await self.files.remember_file_id(key, file_id)
        return key

    async def drop_upload(self, key: str) -> None:
        """A file sent in the dialog and then replaced: deleted unless a resolution has it."""
        await self.files.delete_unused(key)

    async def recipients(self, status: ResolutionStatus) -> list[int]:
        """The assemblies topic; for a draft also every city contact (comments invited)."""
        people = await self.subscriptions.subscribers(Topic.ASSEMBLIES.value)
        if status is ResolutionStatus.DRAFT:
            people += await self.contacts.person_ids()
        return list(dict.fromkeys(people))

    async def publish(self, staff: Viewer, new: NewResolution) -> Published:
        """Store the resolution and queue its delivery in one transaction."""
        now = self.clock.now()
        recipients = await self.recipients(new.status)

        def announce(resolution: Resolution) -> tuple[NewJob, Sequence[int]]:
            chats = [*recipients]
            if self.channel_id is not None and not resolution.is_draft:
                chats.append(self.channel_id)  # public: adopted texts only
            job = NewJob(
                kind="resolution",
                audience={"resolution_id": resolution.id, "status": resolution.status.value},
                payload=render_payload(
                    "resolution", resolution=resolution.to_json(), comments=resolution.is_draft
                ),
                created_by=staff.id,
                dedup_key=f"resolution:{resolution.id}:publish",
            )
            return job, chats

        resolution = await self.repo.create(new, created_by=staff.id, now=now, announce=announce)
        self.outbox.committed()
        chats = announce(resolution)[1]
        await self.audit.record(
            staff.id,
            "resolution.publish",
            str(resolution.id),
            now=now,
            status=resolution.status.value,
            recipients=len(chats),
            draft_id=new.draft_id,
        )
        taken = new.draft_id is not None and resolution.draft_id != new.draft_id
        return Published(resolution, len(chats), draft_taken=taken)

    async def send_text(self, person_id: int, resolution: Resolution) -> None:
        """The whole text to one person who asked for it (through the outbox: same parts,
        same pacing, the file re-sent by its Telegram id)."""
        await self.outbox.send(
            NewJob(
                kind="resolution_text",
                audience={"resolution_id": resolution.id, "person_id": person_id},
                payload=render_payload(
                    "resolution",
                    resolution=resolution.to_json(),
                    comments=resolution.is_draft and resolution.adopted_id is None,
                ),
                priority=5,
            ),
            [person_id],
        )

    # --- comments on drafts -------------------------------------------------------------------

    async def comment(self, author: Viewer, resolution_id: int, text: str) -> Comment | None:
        """Store a comment and show it to every staff member with an Answer button; None
        if the draft is not open to comments (adopted, or gone)."""
        comment = await self.repo.add_comment(resolution_id, author.id, text, now=self.clock.now())
        if comment is None:
            return None
        await self.notifier.send_many(
            sorted(await self.people.staff_ids()),
            "resolution.comment",
            comment=comment,
            author=author.person,
            author_id=author.id,
        )
        return comment

    async def get_comment(self, comment_id: int) -> Comment | None:
        return await self.repo.comment(comment_id)

    async def answer(self, staff: Viewer, comment_id: int, text: str) -> Notice | None:
        """Deliver a staff answer to the comment's author; None if it could not reach them."""
        comment = await self.repo.comment(comment_id)
        if comment is None:
            return None
        now = self.clock.now()
        await self.repo.answer_comment(comment_id, staff.id, text, now=now)
        await self.audit.record(staff.id, "resolution.answer", str(comment_id), now=now)
        return await self.notifier.send(
            comment.person_id, "resolution.answer", comment=comment, text=text
        )

    # --- corrections ----------------------------------------------------------------------

    async def correct(
        self, staff: Viewer, resolution_id: int, new: NewResolution, version: int
    ) -> Corrected | VersionConflict | None:
        """Save a corrected resolution; everyone who received it gets a notice saying what
        changed, with the corrected text or file; deliveries still going out carry the
        corrected text. None if it was withdrawn meanwhile, VersionConflict if another staff
        member corrected it after `version`."""
        now = self.clock.now()

        def notice(before: Resolution, after: Resolution) -> NewJob:
            return NewJob(
                kind="resolution_corrected",
                audience={"resolution_id": resolution_id, "version": after.version},
                payload=render_payload(
                    "resolution.corrected", before=before.to_json(), after=after.to_json()
                ),
                created_by=staff.id,
                dedup_key=f"resolution:{resolution_id}:v{after.version}",
                priority=1,
            )

        try:
            done = await self.repo.correct(
                resolution_id,
                new,
                version=version,
                by=staff.id,
                now=now,
                notice=notice,
                channel_id=self.channel_id,
            )
        except VersionConflict as conflict:
            return conflict
        if done is None:
            return None
        self.outbox.committed(rewritten=done.rewritten_jobs)
        await self.audit.record(
            staff.id,
            "resolution.correct",
            str(resolution_id),
            now=now,
            version=done.after.version,
            notified=done.notified,
        )
        return done

    async def withdraw(self, staff: Viewer, resolution_id: int) -> Withdrawn | None:
        """Withdraw a resolution: out of the archive, search and digest; its recipients are
        told; deliveries still going out stop. None if it was withdrawn already."""
        now = self.clock.now()

        def notice(resolution: Resolution) -> NewJob:
            return NewJob(
                kind="resolution_withdrawn",
                audience={"resolution_id": resolution_id},
                payload=render_payload("resolution.withdrawn", resolution=resolution.to_json()),
                created_by=staff.id,
                dedup_key=f"resolution:{resolution_id}:withdrawn",
                priority=1,
            )

        done = await self.repo.withdraw(
            resolution_id, by=staff.id, now=now, notice=notice, channel_id=self.channel_id
        )
        if done is None:
            return None
        self.outbox.committed(stopped=done.stopped_jobs)
        await self.audit.record(
            staff.id, "resolution.withdraw", str(resolution_id), now=now, notified=done.notified
        )
        return done
