"""Newsletter admin: campaigns with their progress; sends, clicks and unsubscribes read-only."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerUnreachable

from config.admin_dates import DateHierarchyAdmin
from marketplace.admin.users import UserAdmin
from marketplace.models import User
from newsletter.models import Campaign, Click, Send, Unsubscription
from newsletter.selectors import campaign_attributed_booking_count, campaign_send_counts
from newsletter.services import (
    campaign_create,
    campaign_dispatch,
    campaign_update,
    newsletter_consent_set,
    newsletter_is_paused,
)
from recommendations.strategies import strategy_names


def send_count_column(key: str, description: str):
    """A changelist column showing the `sends_<key>_count` annotation of get_queryset."""
    attribute = f"sends_{key}_count"

    @admin.display(description=description, ordering=attribute)
    def column(self, campaign: Campaign) -> int:
        return getattr(campaign, attribute)

    return column


class CampaignAdminForm(forms.ModelForm):
    """The strategy is picked among the registered ones, so a typo cannot reach the workers."""

    strategy = forms.ChoiceField(label=_("Strategy"), choices=())

    class Meta:
        model = Campaign
        fields = ["subject", "planned_at", "strategy"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = [(name, name) for name in strategy_names()]


@admin.register(Campaign)
class CampaignAdmin(DateHierarchyAdmin):
    form = CampaignAdminForm
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

    sends_total = send_count_column("total", _("sends"))
    sends_sent = send_count_column("sent", pgettext_lazy("sends", "sent"))
    sends_pending = send_count_column("pending", pgettext_lazy("sends", "pending"))
    sends_failed = send_count_column("failed", pgettext_lazy("sends", "failed"))

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

    def save_model(self, request: HttpRequest, obj: Campaign, form, change: bool) -> None:
        edited = {name: form.cleaned_data[name] for name in ("subject", "planned_at", "strategy")}
        if change:
            campaign_update(campaign=obj, **edited)
        else:
            # The admin's redirect and log entry need the new row's id on `obj`.
            obj.pk = campaign_create(**edited).pk

    @admin.action(description=_("Start or resume sending the selected campaigns"))
    def start_sending(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        campaign_ids = list(
            queryset.exclude(status=Campaign.Status.SENT).values_list("pk", flat=True)
        )
        chunks = 0
        for done, campaign_id in enumerate(campaign_ids):
            try:
                chunks += campaign_dispatch(campaign_id=campaign_id).chunks
            except BrokerUnreachable as error:
                self.message_user(
                    request,
                    gettext(
                        "Could not reach the task queue (%(error)s): %(queued)d of %(total)d "
                        "campaigns queued; campaign %(campaign)d is started and its sends wait "
                        "as pending. Try again once Celery's broker answers (the periodic sweep "
                        "also resumes it)."
                    )
                    % {
                        "error": error,
                        "queued": done,
                        "total": len(campaign_ids),
                        "campaign": campaign_id,
                    },
                    messages.ERROR,
                )
                return
        started = ngettext(
            "%(count)d campaign started",
            "%(count)d campaigns started",
            len(campaign_ids),
        ) % {"count": len(campaign_ids)}
        if newsletter_is_paused():
            self.message_user(
                request,
                gettext(
                    "%(started)s, but the newsletter_paused switch is on: nothing is sent "
                    "until it is off."
                )
                % {"started": started},
                messages.WARNING,
            )
            return
        queued = ngettext(
            "%(started)s and queued for sending (%(chunks)d chunk).",
            "%(started)s and queued for sending (%(chunks)d chunks).",
            chunks,
        ) % {"started": started, "chunks": chunks}
        self.message_user(request, queued, messages.SUCCESS)


class ReadOnlyAdmin(DateHierarchyAdmin):
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


# marketplace sits below the newsletter and cannot record unsubscriptions: the
# people admin is re-registered here with consent changes going through the
# newsletter's service.
admin.site.unregister(User)


@admin.register(User)
class NewsletterAwareUserAdmin(UserAdmin):
    def newsletter_consent_change(self, *, user: User, consent: bool) -> None:
        newsletter_consent_set(user=user, consent=consent, method=Unsubscription.Method.STAFF)
