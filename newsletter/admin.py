"""Newsletter admin: campaigns with their progress; sends, clicks and unsubscribes read-only."""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerUnreachable

from newsletter.models import Campaign, Click, Send, Unsubscription
from newsletter.selectors import campaign_attributed_booking_count, campaign_send_counts
from newsletter.services import newsletter_is_paused
from newsletter.tasks import campaign_dispatch_task


def send_count_column(key: str, description: str):
    """A changelist column showing the `sends_<key>_count` annotation of get_queryset."""
    attribute = f"sends_{key}_count"

    @admin.display(description=description, ordering=attribute)
    def column(self, campaign: Campaign) -> int:
        return getattr(campaign, attribute)

    return column


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "planned_at",
        "week",
        "strategy",
        "status",
        "sends_total",
        "sends_sent",
        "sends_pending",
        "sends_failed",
    ]
    list_filter = ["status", "strategy"]
    search_fields = ["subject", "week"]
    date_hierarchy = "planned_at"
    readonly_fields = [
        "week",
        "status",
        "progress",
        "created_at",
        "started_at",
        "dispatched_at",
        "finished_at",
    ]
    fields = ["subject", "planned_at", "strategy", *readonly_fields]
    actions = ["start_sending"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        by_status = {
            f"sends_{status}_count": Count("sends", filter=Q(sends__status=status))
            for status in (Send.Status.SENT, Send.Status.PENDING, Send.Status.FAILED)
        }
        return super().get_queryset(request).annotate(sends_total_count=Count("sends"), **by_status)

    sends_total = send_count_column("total", "sends")
    sends_sent = send_count_column("sent", "sent")
    sends_pending = send_count_column("pending", "pending")
    sends_failed = send_count_column("failed", "failed")

    @admin.display(description=_("progress"))
    def progress(self, campaign: Campaign) -> str:
        if campaign.pk is None:
            return "-"
        labels = dict(Send.Status.choices)
        counts = ", ".join(
            f"{count} {str(labels.get(status, status)).lower()}"
            for status, count in campaign_send_counts(campaign=campaign).items()
        )
        bookings = campaign_attributed_booking_count(campaign=campaign)
        progress = ngettext(
            "%(counts)s; %(bookings)d attributed booking.",
            "%(counts)s; %(bookings)d attributed bookings.",
            bookings,
        ) % {"counts": counts, "bookings": bookings}
        if newsletter_is_paused():
            progress += " " + gettext("Sending is paused by the newsletter_paused switch.")
        return progress

    @admin.action(description=_("Start or resume sending the selected campaigns"))
    def start_sending(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        campaign_ids = list(
            queryset.exclude(status=Campaign.Status.SENT).values_list("pk", flat=True)
        )
        queued = 0
        try:
            for campaign_id in campaign_ids:
                # Outside a transaction (the admin's default) this sends at once. The
                # result is never read, so only the broker is needed, not the result store.
                transaction.on_commit(
                    lambda campaign_id=campaign_id: campaign_dispatch_task.apply_async(
                        args=[campaign_id], ignore_result=True
                    )
                )
                queued += 1
        except BrokerUnreachable as error:
            self.message_user(
                request,
                gettext(
                    "Could not reach the task queue (%(error)s): %(queued)d of %(total)d "
                    "campaigns queued. Try again once Celery's broker answers."
                )
                % {"error": error, "queued": queued, "total": len(campaign_ids)},
                messages.ERROR,
            )
            return
        level = messages.WARNING if newsletter_is_paused() else messages.SUCCESS
        queued_text = ngettext(
            "%(count)d campaign queued for sending.",
            "%(count)d campaigns queued for sending.",
            len(campaign_ids),
        ) % {"count": len(campaign_ids)}
        if level == messages.WARNING:
            queued_text += " " + gettext(
                "The newsletter_paused switch is on: nothing is sent until it is off."
            )
        self.message_user(request, queued_text, level)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Delivery records are history: they are read, never written, from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Send)
class SendAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "user", "status", "sent_at", "attempts", "error"]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign", "user"]
    search_fields = ["user__email"]
    show_full_result_count = False


@admin.register(Click)
class ClickAdmin(ReadOnlyAdmin):
    list_display = ["clicked_at", "campaign", "user", "offer"]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "user", "offer"]
    search_fields = ["user__email", "offer__title"]
    date_hierarchy = "clicked_at"


@admin.register(Unsubscription)
class UnsubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "campaign", "method"]
    list_filter = ["method", "campaign"]
    list_select_related = ["campaign", "user"]
    search_fields = ["user__email"]
    date_hierarchy = "created_at"
