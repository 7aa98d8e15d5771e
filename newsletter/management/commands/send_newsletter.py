"""Send this week's newsletter (or resume a given campaign), here or through the Celery workers."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable
from tqdm import tqdm

from newsletter.models import Campaign
from newsletter.selectors import newsletter_preview
from newsletter.services import (
    ChunkResult,
    DeliveryError,
    campaign_dispatch,
    campaign_get_or_create_for_week,
    campaign_send_chunk,
    campaign_start,
    newsletter_is_paused,
)


class Command(BaseCommand):
    help = (
        "Send this ISO week's newsletter campaign (created if needed), or start/resume the "
        "campaign given by --campaign. Safe to run again: nobody is mailed twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", type=int, help="id of the campaign to start or resume")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print who would get what; send and write nothing",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="enqueue the chunks for the Celery workers instead of sending from here",
        )

    def handle(self, *args, campaign: int | None, dry_run: bool, queue: bool, **options) -> None:
        existing = self.campaign_or_none(campaign)
        if dry_run:
            self.preview(existing)
            return
        if newsletter_is_paused():
            raise CommandError(
                "Sending is paused by the newsletter_paused switch; turn it off to send."
            )
        target = existing or campaign_get_or_create_for_week(day=timezone.localdate())
        if target.status == Campaign.Status.SENT:
            self.stdout.write(f"Campaign {target.pk} ({target}) was already sent; nothing to do.")
            return
        if queue:
            try:
                dispatch = campaign_dispatch(campaign_id=target.pk)
            except BrokerUnreachable as error:
                raise CommandError(
                    f"Could not reach the Celery broker ({error}). Campaign {target.pk} is "
                    f"started and its sends wait as pending: run `send_newsletter --campaign "
                    f"{target.pk}` to send from here, or queue it again once the broker answers."
                ) from None
            self.stdout.write(
                f"Campaign {target.pk}: {dispatch.chunks} chunk(s) queued for the workers."
            )
            return
        ranges = campaign_start(campaign_id=target.pk)
        total = ChunkResult()
        try:
            for first, last in tqdm(ranges, desc=f"campaign {target.pk}", unit="chunk"):
                result = campaign_send_chunk(
                    campaign_id=target.pk, first_send_id=first, last_send_id=last
                )
                total.sent += result.sent
                total.skipped += result.skipped
                total.failed += result.failed
                if result.paused:
                    # Every later chunk would find the switch on too: stop here.
                    total.paused = True
                    break
        except DeliveryError as error:
            raise CommandError(
                f"{error} ({total.sent} sent so far). Run `send_newsletter --campaign {target.pk}` "
                "again to resume."
            ) from None
        # The switch may also have been turned on between the check above and the start,
        # which then returns no range: either way what was asked did not happen.
        if total.paused or (not ranges and newsletter_is_paused()):
            raise CommandError(
                f"Sending is paused by the newsletter_paused switch ({total.sent} sent so far); "
                f"campaign {target.pk} resumes when it is turned off."
            )
        target.refresh_from_db(fields=["status"])
        self.stdout.write(
            f"Campaign {target.pk}: {total.sent} sent, {total.skipped} skipped, "
            f"{total.failed} failed; status {target.status}."
        )

    def campaign_or_none(self, campaign_id: int | None) -> Campaign | None:
        if campaign_id is None:
            return None
        try:
            return Campaign.objects.get(pk=campaign_id)
        except Campaign.DoesNotExist:
            raise CommandError(f"No campaign with id {campaign_id}.") from None

    def preview(self, campaign: Campaign | None) -> None:
        recipients = empty = 0
        for user, recommendations in newsletter_preview(campaign=campaign):
            if not recommendations:
                empty += 1
                self.stdout.write(f"{user.email}: skipped (no offer to recommend)")
                continue
            recipients += 1
            titles = "; ".join(f"#{r.offer.pk} {r.offer.title}" for r in recommendations)
            self.stdout.write(f"{user.email}: {titles}")
        self.stdout.write(f"Dry run: {recipients} would be mailed, {empty} skipped; nothing sent.")
