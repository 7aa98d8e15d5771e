"""The newsletter's records: campaigns, one send per (campaign, recipient), clicks and unsubscribes.

Sends, clicks and unsubscribes outlive everything (they are how we know who
was mailed and whether recommending works), so they live in PostgreSQL, never
only in Redis.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.local_times import local_day, local_minute


def default_strategy() -> str:
    return settings.RECOMMENDATION_STRATEGY


class Campaign(models.Model):
    """One newsletter: a subject, when it is planned, and the strategy that picks its offers.

    `draft` → `sending` (recipients materialised as sends) → `sent` (no send left
    to deliver). Pausing is global, by the `newsletter_paused` waffle switch: a
    paused campaign stays `sending` with pending sends and resumes later.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    subject = models.CharField(_("subject"), max_length=200)
    planned_at = models.DateTimeField(_("planned at"))
    # The ISO week ("2026-W48") of the weekly campaign, unique so that the
    # scheduled task and the manual command converge on one campaign a week.
    # Empty for extra campaigns created by hand in the admin.
    week = models.CharField(_("week"), max_length=8, unique=True, null=True, blank=True)
    strategy = models.CharField(_("strategy"), max_length=50, default=default_strategy)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # When chunks were last enqueued; a campaign still sending long after it is
    # stalled (crashed worker, switch turned off) and gets resumed.
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-planned_at", "-pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["status", "dispatched_at"], name="campaign_status_idx")]

    def __str__(self) -> str:
        return f"{self.subject} ({local_day(self.planned_at)})"


class Send(models.Model):
    """The newsletter of one campaign to one recipient; the unique pair makes re-runs safe.

    `sending` is a claim with a lease (`claimed_until`): a chunk owns the row
    while it mails it; a claim whose lease expired belonged to a worker that
    died and is taken again (at-least-once, ADR 0006).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="sends", verbose_name=_("campaign")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="newsletter_sends",
        verbose_name=_("recipient"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # Counted as each try of the message begins, not at claims (ADR 0006): a chunk
    # failing before a message (the server down) charges nothing to its send.
    attempts = models.PositiveSmallIntegerField(
        _("delivery attempts"),
        default=0,
        help_text=_("How many times mailing this message was tried."),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    offer_ids = models.JSONField(_("offers sent"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("send")
        verbose_name_plural = _("sends")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="send_one_per_recipient"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="send_sent_has_date"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="send_campaign_status_idx"),
            models.Index(fields=["sent_at"], name="send_sent_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.user_id} ({self.get_status_display()})"


class Click(models.Model):
    """A recipient followed an offer link of a newsletter.

    `user` and `campaign` repeat what the send knows, so that attributing a
    booking (same user, same offer, within 7 days) reads one indexed table.
    """

    send = models.ForeignKey(
        Send, on_delete=models.CASCADE, related_name="clicks", verbose_name=_("send")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="clicks", verbose_name=_("campaign")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="newsletter_clicks",
        verbose_name=_("recipient"),
    )
    offer = models.ForeignKey(
        "marketplace.Offer", on_delete=models.CASCADE, related_name="+", verbose_name=_("offer")
    )
    clicked_at = models.DateTimeField(_("clicked at"))

    class Meta:
        ordering = ["-clicked_at"]
        verbose_name = _("newsletter click")
        verbose_name_plural = _("newsletter clicks")
        indexes = [
            models.Index(fields=["user", "offer", "clicked_at"], name="click_attribution_idx"),
            models.Index(fields=["clicked_at"], name="click_clicked_at_idx"),
        ]

    def __str__(self) -> str:
        return gettext("%(user)s clicked %(offer)s (%(when)s)") % {
            "user": self.user_id,
            "offer": self.offer_id,
            "when": local_minute(self.clicked_at),
        }


class Unsubscription(models.Model):
    """A recipient withdrew consent, from a newsletter link or through staff (consent itself
    lives on the user); send and campaign are known only for a link."""

    class Method(models.TextChoices):
        ONE_CLICK = "one-click", _("One-click (mail client)")
        PAGE = "page", _("Confirmation page")
        STAFF = "staff", _("Staff, in the admin")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="newsletter_unsubscriptions",
        verbose_name=_("user"),
    )
    send = models.ForeignKey(
        Send, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("send")
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("campaign"),
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    created_at = models.DateTimeField(_("unsubscribed at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        indexes = [models.Index(fields=["created_at"], name="unsubscription_created_idx")]

    def __str__(self) -> str:
        return gettext("%(user)s unsubscribed (%(when)s)") % {
            "user": self.user_id,
            "when": local_day(self.created_at),
        }
