"""The newsletter's records: campaigns, one send per (campaign, recipient), clicks and unsubscribes.

Sends, clicks and unsubscribes outlive everything (they are how we know who
was mailed and whether recommending works), so they live in PostgreSQL, never
only in Redis.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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

    subject = models.CharField(max_length=200)
    planned_at = models.DateTimeField()
    # The ISO week ("2026-W48") of the weekly campaign, unique so that the
    # scheduled task and the manual command converge on one campaign a week.
    # Empty for extra campaigns created by hand in the admin.
    week = models.CharField(max_length=8, unique=True, null=True, blank=True)
    strategy = models.CharField(max_length=50, default=default_strategy)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When chunks were last enqueued; a campaign still sending long after it is
    # stalled (crashed worker, switch turned off) and gets resumed.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-planned_at", "-pk"]
        indexes = [models.Index(fields=["status", "dispatched_at"], name="campaign_status_idx")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.planned_at:%Y-%m-%d})"


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

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sends")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="newsletter_sends"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    offer_ids = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
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
        return f"{self.campaign_id} → {self.user_id} ({self.status})"


class Click(models.Model):
    """A recipient followed an offer link of a newsletter.

    `user` and `campaign` repeat what the send knows, so that attributing a
    booking (same user, same offer, within 7 days) reads one indexed table.
    """

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="clicks")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="clicks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="newsletter_clicks"
    )
    offer = models.ForeignKey("marketplace.Offer", on_delete=models.CASCADE, related_name="+")
    clicked_at = models.DateTimeField()

    class Meta:
        ordering = ["-clicked_at"]
        indexes = [
            models.Index(fields=["user", "offer", "clicked_at"], name="click_attribution_idx"),
            models.Index(fields=["clicked_at"], name="click_clicked_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} clicked {self.offer_id} ({self.clicked_at:%Y-%m-%d %H:%M})"


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
    )
    send = models.ForeignKey(Send, on_delete=models.SET_NULL, null=True, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.SET_NULL, null=True, related_name="+")
    method = models.CharField(max_length=10, choices=Method.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="unsubscription_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} unsubscribed ({self.created_at:%Y-%m-%d})"
