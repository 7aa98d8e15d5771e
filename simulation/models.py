"""What a simulation leaves behind in its database: the run, its daily measures, its decisions."""

from django.db import models


class SimulationRun(models.Model):
    """One `simulate` run: its settings, how long it took, and its final comparison."""

    created_at = models.DateTimeField(auto_now_add=True)
    seed = models.IntegerField()
    users = models.PositiveIntegerField()
    days = models.PositiveIntegerField()
    drift_at = models.PositiveIntegerField(null=True, blank=True)
    frozen_from = models.PositiveIntegerField(
        null=True, blank=True, help_text="Day from which no retraining ran (a counterfactual)."
    )
    strategies = models.JSONField(help_text="Variant → strategy.")
    seconds = models.FloatField(default=0.0)
    comparison = models.JSONField(
        null=True, blank=True, help_text="North star per variant over the last 30 days."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Simulation {self.pk} ({self.days} days, {self.users} users, seed {self.seed})"


class SimulatedDay(models.Model):
    """One variant's measures on one simulated date (north star over the 30 days to it)."""

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="days_measured")
    day = models.PositiveIntegerField()
    date = models.DateField()
    variant = models.CharField(max_length=20)
    strategy = models.CharField(max_length=50)
    users = models.PositiveIntegerField()
    bookings = models.PositiveIntegerField()
    active_users = models.PositiveIntegerField()
    multi_category_users = models.PositiveIntegerField()
    model_version = models.CharField(max_length=100, blank=True)
    drifted = models.BooleanField(default=False, help_text="Tastes drifted this morning.")

    class Meta:
        ordering = ["run", "day", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "day", "variant"], name="simulation_one_row_per_day_variant"
            ),
            models.CheckConstraint(
                condition=models.Q(multi_category_users__lte=models.F("active_users")),
                name="simulation_numerator_within_denominator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run}: day {self.day}, {self.variant}"

    @property
    def north_star(self) -> float | None:
        return self.multi_category_users / self.active_users if self.active_users else None


class RetrainingDecision(models.Model):
    """What the nightly monitoring decided on a simulated date, as it reported it."""

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="decisions")
    day = models.PositiveIntegerField()
    date = models.DateField()
    decision = models.JSONField()

    class Meta:
        ordering = ["run", "day"]

    def __str__(self) -> str:
        return f"{self.run}: decision of day {self.day}"
