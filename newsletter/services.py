"""Writes of the newsletter: starting campaigns, sending chunks, clicks and unsubscribes.

Delivery is at-least-once (ADR 0006): a chunk claims its sends with a lease,
mails them one by one over a single SMTP connection, renewing the lease of each
send just before its message and marking it sent right after the server
accepted it; a send whose lease ran out belongs to whichever worker the sweep
gave it to. Only a worker killed between the server's "250 OK" and that mark
can cause a duplicate (one message per crashed chunk, with the same
Message-ID), or one message outlasting its renewed lease; nothing can cause
a skip.
"""

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import waffle
from celery import current_app, group
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from experiments.assignment import variants_for_users
from experiments.clicks import ClickLink
from experiments.models import Surface
from experiments.services import click_record as recommendation_click_record
from experiments.services import exposure_rows_build, exposure_rows_record
from marketplace.models import Offer, User
from marketplace.services import user_newsletter_consent_set
from newsletter.emails import newsletter_message_build
from newsletter.models import Campaign, Click, Send, Unsubscription
from newsletter.selectors import (
    OFFERS_PER_EMAIL,
    campaign_has_sends_to_deliver,
    campaigns_stalled,
    claimable_condition,
    newsletter_recipients,
    send_for_unsubscribe_token,
    send_ranges_to_deliver,
)
from newsletter.tokens import click_token_read
from recommendations.lists import RecommendationList
from recommendations.offers import LoadedList, recommended_lists_for_users
from recommendations.strategies import strategy_names

logger = logging.getLogger(__name__)

PAUSE_SWITCH = "newsletter_paused"
MATERIALISE_BATCH = 2000
# The chunk task is queued by its registered name: newsletter.tasks imports this
# module, so importing the task object here would be circular.
CHUNK_TASK_NAME = "newsletter.campaign_send_chunk"
STOPPED_AT_LAST_TRY = "Delivery stopped during its last try (the worker was stopped)."


class DeliveryError(Exception):
    """An SMTP failure of the connection or the server, not of one recipient; the chunk's
    unsent sends are pending again, ready for a retry."""


@dataclass(frozen=True)
class CampaignDispatch:
    """What dispatching did: how many chunk tasks it queued, and whether the switch held it."""

    chunks: int
    paused: bool


@dataclass
class ChunkResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    paused: bool = False


def newsletter_is_paused() -> bool:
    return waffle.switch_is_active(PAUSE_SWITCH)


def campaign_strategy_validate(*, strategy: str) -> str:
    """`strategy` if it is registered; a ValidationError on the strategy field otherwise.

    Checked on every write, because a campaign with an unknown strategy fails
    each of its chunks and the stalled-campaign sweep would retry it forever.
    """
    if strategy not in strategy_names():
        known = ", ".join(strategy_names())
        raise ValidationError(
            {"strategy": f"Unknown strategy {strategy!r}; choose one of: {known}."}
        )
    return strategy


def campaign_create(
    *,
    subject: str,
    planned_at: datetime,
    strategy: str | None = None,
    week: str | None = None,
) -> Campaign:
    strategy = campaign_strategy_validate(strategy=strategy or settings.RECOMMENDATION_STRATEGY)
    return Campaign.objects.create(
        subject=subject, planned_at=planned_at, strategy=strategy, week=week
    )


def campaign_update(
    *, campaign: Campaign, subject: str, planned_at: datetime, strategy: str
) -> None:
    """Change what staff may edit of a campaign; its strategy must be registered."""
    campaign.subject = subject
    campaign.planned_at = planned_at
    campaign.strategy = campaign_strategy_validate(strategy=strategy)
    campaign.save(update_fields=["subject", "planned_at", "strategy"])


def iso_week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def campaign_get_or_create_for_week(*, day: date) -> Campaign:
    """The one weekly campaign of `day`'s ISO week, created on first call (safe under races)."""
    monday = day - timedelta(days=day.weekday())
    campaign, _created = Campaign.objects.get_or_create(
        week=iso_week_label(day),
        defaults={
            # Written in the site's language (French), the newsletter's language (ADR 0027).
            "subject": _("Your 5 picks for the week of %(monday)s")
            % {"monday": date_format(monday, "j F")},
            "planned_at": timezone.now(),
            "strategy": settings.RECOMMENDATION_STRATEGY,
        },
    )
    return campaign


def campaign_recipients_materialise(*, campaign: Campaign) -> int:
    """One pending send per consenting recipient; existing pairs are kept as they are."""
    user_ids = newsletter_recipients().order_by("pk").values_list("pk", flat=True)
    batch: list[Send] = []
    for user_id in user_ids.iterator(chunk_size=MATERIALISE_BATCH):
        batch.append(Send(campaign=campaign, user_id=user_id))
        if len(batch) == MATERIALISE_BATCH:
            Send.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Send.objects.bulk_create(batch, ignore_conflicts=True)
    return campaign.sends.count()


@transaction.atomic
def campaign_start(*, campaign_id: int) -> list[tuple[int, int]]:
    """Start or resume a campaign; returns the (first, last) send id ranges to deliver.

    A draft gets its recipients now (later consenters wait for the next
    campaign). A sent campaign, or any campaign while the kill switch is on,
    yields nothing to deliver.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status == Campaign.Status.SENT:
        return []
    now = timezone.now()
    if campaign.status == Campaign.Status.DRAFT:
        campaign_recipients_materialise(campaign=campaign)
        campaign.status, campaign.started_at = Campaign.Status.SENDING, now
    if newsletter_is_paused():
        campaign.save(update_fields=["status", "started_at"])
        # The switch holds messages, not a campaign with none left to send: no chunk
        # would ever run to finish it, so it would stay sending for good.
        campaign_finish_if_done(campaign_id=campaign.pk)
        return []
    campaign.dispatched_at = now
    campaign.save(update_fields=["status", "started_at", "dispatched_at"])
    ranges = send_ranges_to_deliver(campaign=campaign, chunk_size=settings.NEWSLETTER_CHUNK_SIZE)
    if not ranges:
        campaign_finish_if_done(campaign_id=campaign.pk)
    return ranges


def campaign_dispatch(*, campaign_id: int) -> CampaignDispatch:
    """Start or resume a campaign and queue one chunk task per range of sends to deliver.

    The one way to hand a campaign to the workers: the dispatch task (weekly
    start, stalled-campaign sweep), the admin action and `send_newsletter
    --queue` all call it. Chunks are queued once the current transaction
    commits, never awaited, with no result stored (the sends' rows are the
    record, so only the broker is needed). An unreachable broker raises kombu's
    OperationalError after the campaign started: its sends wait as pending for
    the sweep or a manual resume.
    """
    ranges = campaign_start(campaign_id=campaign_id)
    if ranges:
        chunks = group(
            current_app.signature(CHUNK_TASK_NAME, args=(campaign_id, first, last))
            for first, last in ranges
        )
        transaction.on_commit(lambda: chunks.apply_async(ignore_result=True))
    return CampaignDispatch(chunks=len(ranges), paused=newsletter_is_paused())


def campaign_finish_if_done(*, campaign_id: int) -> bool:
    """Mark the campaign sent once no send is pending or claimed; True if this call did."""
    if campaign_has_sends_to_deliver(campaign_id=campaign_id):
        return False
    finished = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).update(
        status=Campaign.Status.SENT, finished_at=timezone.now()
    )
    return finished == 1


def sends_claim(*, campaign: Campaign, first_send_id: int, last_send_id: int) -> list[Send]:
    """Take the deliverable sends of a range for this worker, under a lease.

    SKIP LOCKED lets two chunks that overlap (a resume while the first
    dispatch still runs) split the rows instead of waiting on each other.
    A claim costs no attempt: `send_claim_renew` counts one when the message is
    about to be tried.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Send.objects.select_for_update(skip_locked=True)
            .filter(campaign=campaign, pk__gte=first_send_id, pk__lte=last_send_id)
            .filter(claimable_condition(now=now))
            .values_list("pk", flat=True)
        )
        # A claim that expired on its last try: the worker died mailing it (or the
        # message kills every worker that mails it), so it is not tried again.
        abandoned = Send.objects.filter(
            pk__in=ids,
            status=Send.Status.SENDING,
            attempts__gte=settings.NEWSLETTER_SEND_MAX_ATTEMPTS,
        )
        abandoned_ids = set(abandoned.values_list("pk", flat=True))
        abandoned.update(status=Send.Status.FAILED, claimed_until=None, error=STOPPED_AT_LAST_TRY)
        ids = [pk for pk in ids if pk not in abandoned_ids]
        Send.objects.filter(pk__in=ids).update(
            status=Send.Status.SENDING, claimed_until=lease_end(now=now)
        )
    return list(Send.objects.filter(pk__in=ids).select_related("user").order_by("pk"))


def lease_end(*, now: datetime) -> datetime:
    return now + timedelta(seconds=settings.NEWSLETTER_SEND_LEASE_SECONDS)


def claims_held(*, sends: list[Send]) -> Q:
    """The rows of `sends` still claimed by this worker: `sending`, under the lease it last wrote.

    Once a lease runs out, the sweep may give the send to another worker, whose
    claim writes a later `claimed_until`; a write under this condition then
    changes nothing, so a slow worker can neither mail nor overwrite that send.
    """
    ids_by_lease: dict[datetime, list[int]] = defaultdict(list)
    for send in sends:
        ids_by_lease[send.claimed_until].append(send.pk)
    held = Q(pk__in=[])
    for lease, ids in ids_by_lease.items():
        held |= Q(claimed_until=lease, pk__in=ids)
    return Q(status=Send.Status.SENDING) & held


def send_claim_renew(*, send: Send) -> bool:
    """Give this worker's claim on `send` a full lease again and count a try of its
    message (`attempts`); False, with nothing written, if the claim is lost.

    Called just before mailing each message, so the lease has to cover one
    message, not the whole chunk. The try is counted in the same UPDATE, committed
    before the message goes out: a worker killed while mailing it has counted it,
    while a chunk that fails before reaching it (the server down) charges nothing.
    """
    renewed_until = lease_end(now=timezone.now())
    renewed = Send.objects.filter(claims_held(sends=[send])).update(
        claimed_until=renewed_until, attempts=F("attempts") + 1
    )
    if renewed:
        # Nobody else writes a claimed row: the count read at claim time, plus this try.
        send.claimed_until, send.attempts = renewed_until, send.attempts + 1
    return renewed == 1


def sends_finish(*, sends: list[Send], status: str, error: str = "") -> int:
    """End this worker's claim on `sends` with `status`; returns how many it still held."""
    if not sends:
        return 0
    return Send.objects.filter(claims_held(sends=sends)).update(
        status=status, claimed_until=None, error=error
    )


def send_request_id(send_id: int) -> str:
    """The request id of a send's list in the exposure log: one per send, so a message
    mailed twice after a crash is still one exposure per offer."""
    return f"newsletter-{send_id}"


def send_mark_sent(*, send: Send, shown: RecommendationList, variant: str) -> bool:
    """Mark `send` sent with the list it showed, and log that list as the recipient's
    exposures (in their variant of the homepage canary, with the list's model version).

    False, with nothing written, if this worker's claim on it was lost meanwhile:
    the send is the other worker's to mark and log.
    """
    sent_at = timezone.now()
    marked = Send.objects.filter(claims_held(sends=[send])).update(
        status=Send.Status.SENT,
        sent_at=sent_at,
        offer_ids=shown.offer_ids,
        claimed_until=None,
        error="",
    )
    if not marked:
        return False
    exposure_rows_record(
        rows=exposure_rows_build(
            request_id=send_request_id(send.pk),
            offer_ids=shown.offer_ids,
            strategy=shown.strategy,
            surface=Surface.NEWSLETTER,
            user_id=send.user_id,
            variant=variant,
            model_version=shown.model_version,
            shown_at=sent_at,
        )
    )
    return True


def smtp_error_is_permanent(error: Exception) -> bool:
    """A refusal of this one message (5xx recipient or content); others are worth retrying."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def smtp_error_concerns_one_message(error: Exception) -> bool:
    """Whether the server refused this message alone, the connection still serving the next:
    any refusal of its recipient (a full mailbox says nothing of the others), or a 5xx
    refusal of its content.

    A 421 is the server closing the connection (smtplib closes its end too), and a 4xx
    refusal of the content is taken as the server's trouble: both concern the whole chunk
    (though they still cost the message being mailed a try, see `sends_deliver`).
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code != 421 for code, _ in error.recipients.values())
    return smtp_error_is_permanent(error)


def send_try_failed(*, send: Send, error: Exception) -> bool:
    """Record the failure of one try of `send`'s message; returns whether it failed for good.

    A permanent refusal fails it at once; anything else (full mailbox, greylisting,
    a 4xx to its content, a connection lost while mailing it) puts it back to
    pending, for a retry or the sweep's next dispatch, until its try number
    `NEWSLETTER_SEND_MAX_ATTEMPTS`, which fails it so that no message can hold its
    campaign back for good.
    """
    gives_up = (
        smtp_error_is_permanent(error) or send.attempts >= settings.NEWSLETTER_SEND_MAX_ATTEMPTS
    )
    status = Send.Status.FAILED if gives_up else Send.Status.PENDING
    sends_finish(sends=[send], status=status, error=str(error))
    return gives_up


def campaign_send_chunk(*, campaign_id: int, first_send_id: int, last_send_id: int) -> ChunkResult:
    """Deliver the claimable sends of one id range over one SMTP connection.

    A refused recipient concerns its own send only (`send_try_failed`). Raises
    DeliveryError when the connection or the server fails, after putting the
    unsent sends back to pending: a retry then mails only those.
    """
    if newsletter_is_paused():
        return ChunkResult(paused=True)
    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).first()
    if campaign is None:
        # A late redelivery for a finished or deleted campaign has nothing left to do.
        return ChunkResult()
    sends = sends_claim(campaign=campaign, first_send_id=first_send_id, last_send_id=last_send_id)
    result = ChunkResult()
    # Recipients are chosen at the start; who left since (deactivated, unsubscribed) gets nothing.
    deactivated = [send for send in sends if not send.user.is_active]
    sends_finish(sends=deactivated, status=Send.Status.SKIPPED, error="Account deactivated.")
    withdrawn = [send for send in sends if send.user.is_active and not send.user.newsletter_consent]
    sends_finish(sends=withdrawn, status=Send.Status.SKIPPED, error="Consent withdrawn.")
    recipients = [send for send in sends if send.user.is_active and send.user.newsletter_consent]
    # One batch for the chunk: a few queries in all instead of a few per recipient.
    picks = recommended_lists_for_users(
        user_ids=[send.user_id for send in recipients],
        limit=OFFERS_PER_EMAIL,
        strategy=campaign.strategy,
    )
    empty: list[Send] = []
    to_mail: list[tuple[Send, LoadedList]] = []
    for send in recipients:
        loaded = picks.get(send.user_id)
        if loaded and loaded.offers:
            to_mail.append((send, loaded))
        else:
            empty.append(send)
    sends_finish(sends=empty, status=Send.Status.SKIPPED, error="No offer to recommend.")
    result.skipped = len(deactivated) + len(withdrawn) + len(empty)
    if to_mail:
        sends_deliver(campaign=campaign, to_mail=to_mail, result=result)
    campaign_finish_if_done(campaign_id=campaign.pk)
    return result


def sends_deliver(
    *, campaign: Campaign, to_mail: list[tuple[Send, LoadedList]], result: ChunkResult
) -> None:
    """Mail each send still claimed by this worker, over one SMTP connection.

    Raises DeliveryError when the connection or the server fails, after putting
    the unsent sends it still holds back to pending.
    """
    variants = variants_for_users(
        flag_name=settings.HOMEPAGE_RECOMMENDATIONS_FLAG, users=[send.user for send, _ in to_mail]
    )
    done = 0
    trying: Send | None = None
    try:
        with get_connection() as connection:
            for send, loaded in to_mail:
                if send_claim_renew(send=send):
                    trying = send
                    send_deliver(
                        connection=connection,
                        campaign=campaign,
                        send=send,
                        loaded=loaded,
                        variant=variants[send.user_id],
                        result=result,
                    )
                    trying = None
                else:
                    # This chunk outlived the lease and the sweep gave the send to
                    # another worker: mailing it here too would mail it twice.
                    logger.warning(
                        "Campaign %s: send %s left to the worker that took it after the lease",
                        campaign.pk,
                        send.pk,
                    )
                done += 1
    except (smtplib.SMTPException, OSError) as error:
        if trying is not None:
            # The failure may be this message's own (a 4xx to its content, a server
            # that drops the connection at it): a message that comes first again at
            # every retry would hold the sends after it back for good, so the one
            # being mailed spends a try like a refused recipient.
            send_try_failed(send=trying, error=error)
        unsent = [send for send, _ in to_mail[done:]]
        put_back = sends_finish(sends=unsent, status=Send.Status.PENDING, error=str(error)[:500])
        logger.warning(
            "Campaign %s: SMTP failure, %s sends back to pending: %s",
            campaign.pk,
            put_back,
            error,
        )
        raise DeliveryError(f"SMTP failure: {error}") from error


def send_deliver(
    *,
    connection: BaseEmailBackend,
    campaign: Campaign,
    send: Send,
    loaded: LoadedList,
    variant: str,
    result: ChunkResult,
) -> None:
    """Mail one claimed send and record the server's answer; raises the SMTP errors
    that concern more than this message."""
    message = newsletter_message_build(
        campaign=campaign, send=send, recommendations=loaded.offers, connection=connection
    )
    try:
        connection.send_messages([message])
    except smtplib.SMTPException as error:
        if smtp_error_concerns_one_message(error):
            if send_try_failed(send=send, error=error):
                result.failed += 1
            else:
                logger.info(
                    "Campaign %s: send %s refused for now, pending again: %s",
                    campaign.pk,
                    send.pk,
                    error,
                )
            return
        raise
    # One write per message, right after the server's acceptance: a crash can
    # then repeat at most this one message.
    if not send_mark_sent(send=send, shown=loaded.recommendation_list, variant=variant):
        logger.warning(
            "Campaign %s: send %s was mailed after its lease ran out", campaign.pk, send.pk
        )
    result.sent += 1


def campaigns_to_resume() -> list[int]:
    """Ids of sending campaigns with an expired claim, pending and not dispatched lately,
    or with nothing left to deliver (dispatching them finishes them)."""
    now = timezone.now()
    before = now - timedelta(seconds=settings.NEWSLETTER_RESUME_AFTER_SECONDS)
    stalled = campaigns_stalled(now=now, dispatched_before=before)
    return list(stalled.values_list("pk", flat=True))


@transaction.atomic
def newsletter_unsubscribe(*, token: str, method: str) -> Send:
    """Withdraw the consent of the token's recipient; repeating it changes nothing.

    Raises InvalidLink for a forged or expired token, before any change.
    """
    send = send_for_unsubscribe_token(token=token)
    newsletter_consent_set(user=send.user, consent=False, method=method, send=send)
    return send


@transaction.atomic
def newsletter_consent_set(
    *, user: User, consent: bool, method: str, send: Send | None = None
) -> bool:
    """Give or withdraw a person's consent; a withdrawal is recorded as an unsubscription.

    Every withdrawal counts in the funnel, whoever makes it (a link, staff);
    repeats change and record nothing. Returns whether the consent changed.
    """
    changed = user_newsletter_consent_set(user=user, consent=consent)
    if changed and not consent:
        Unsubscription.objects.create(
            user=user,
            send=send,
            campaign_id=send.campaign_id if send else None,
            method=method,
            created_at=timezone.now(),
        )
    return changed


def click_record(*, token: str) -> int:
    """Record a newsletter click and return the offer id to land on.

    An authentic link past its age lands on the offer without a record (its
    attribution window is long over). Raises InvalidLink for a forged token.
    """
    target = click_token_read(token=token)
    if target.expired:
        return target.offer_id
    send = (
        Send.objects.filter(pk=target.send_id).values("campaign_id", "user_id", "offer_ids").first()
    )
    if send is not None and Offer.objects.filter(pk=target.offer_id).exists():
        clicked_at = timezone.now()
        Click.objects.create(
            send_id=target.send_id,
            campaign_id=send["campaign_id"],
            user_id=send["user_id"],
            offer_id=target.offer_id,
            clicked_at=clicked_at,
        )
        if target.offer_id in send["offer_ids"]:
            # The same click in the experiments' log, against the send's exposure.
            recommendation_click_record(
                link=ClickLink(
                    request_id=send_request_id(target.send_id),
                    position=send["offer_ids"].index(target.offer_id) + 1,
                    offer_id=target.offer_id,
                    user_id=send["user_id"],
                ),
                clicked_at=clicked_at,
            )
    return target.offer_id
