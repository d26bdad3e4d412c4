"""Why people buy: a taxonomy staff edit, and a versioned map of option -> motivation weights.
A map version is never edited in place: saving changes in admin creates the next version."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Motivation(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=80)
    name_nl = models.CharField(max_length=80)
    description_en = models.TextField(blank=True)
    description_nl = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#5b6ee1", help_text=_("Chart colour, e.g. #5b6ee1."))
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("motivation")
        verbose_name_plural = _("motivations")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name_en


class MotivationMap(models.Model):
    """One version of the option -> motivation weights. Exactly one is current."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    note = models.CharField(max_length=200, blank=True)
    is_current = models.BooleanField(default=False)
    # The choice model's settings for this version (see personalization.choice_model.ModelParams):
    # sensitivity, class prior, behaviour weights, the "undetermined" threshold. Empty: the defaults.
    parameters = models.JSONField(default=dict, blank=True)
    # A version the map-learning job proposed: staff review its diff before it becomes current.
    learned_by = models.ForeignKey("personalization.MapLearningJob", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("motivation map")
        verbose_name_plural = _("motivation maps")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=models.Q(is_current=True),
                                    name="one_current_motivation_map"),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class MotivationWeight(models.Model):
    map = models.ForeignKey(MotivationMap, on_delete=models.CASCADE, related_name="weights")
    product = models.ForeignKey("configurator.Product", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=64)
    option = models.CharField(max_length=64)
    motivation = models.ForeignKey(Motivation, on_delete=models.CASCADE, related_name="weights")
    weight = models.FloatField(default=1.0)

    class Meta:
        verbose_name = _("motivation weight")
        verbose_name_plural = _("motivation weights")
        constraints = [
            models.UniqueConstraint(fields=["map", "product", "group", "option", "motivation"],
                                    name="one_weight_per_option_motivation"),
        ]

    def __str__(self) -> str:
        return f"{self.group}.{self.option} → {self.motivation_id}: {self.weight:g}"


class RescoreStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RescoreJob(models.Model):
    """'Rescore history with version N': a Celery task's progress, shown in admin."""

    map = models.ForeignKey(MotivationMap, on_delete=models.CASCADE, related_name="rescore_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=RescoreStatus.choices, default=RescoreStatus.QUEUED)
    total = models.PositiveBigIntegerField(default=0)
    done = models.PositiveBigIntegerField(default=0)
    # Where the last run left off (the last event id and shopper done), so that the next run, a
    # few seconds later, goes on from there rather than passing over everything already done.
    events_after = models.PositiveBigIntegerField(default=0)
    profiles_after = models.UUIDField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("rescore job")
        verbose_name_plural = _("rescore jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"rescore with map {self.map_id}: {self.status}"

    @property
    def percent(self) -> int:
        return 100 if self.status == RescoreStatus.DONE else int(100 * self.done / self.total) if self.total else 0


class MapLearningJob(models.Model):
    """'Learn a new map from the stored choices': expectation-maximization over the choice model,
    with a base version as the prior. Runs in slices on Celery (resumable from `state`) and ends
    with a proposed version that staff review as a diff."""

    base = models.ForeignKey(MotivationMap, on_delete=models.CASCADE, related_name="learning_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=RescoreStatus.choices, default=RescoreStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)  # EM iterations planned
    done = models.PositiveIntegerField(default=0)
    state = models.JSONField(default=dict, blank=True)  # the model after the last finished iteration
    log = models.JSONField(default=list, blank=True)  # per iteration: log-likelihood, shoppers
    proposed = models.ForeignKey(MotivationMap, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("map learning job")
        verbose_name_plural = _("map learning jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"learn from v{self.base.version}: {self.status}"

    @property
    def percent(self) -> int:
        return 100 if self.status == RescoreStatus.DONE else int(100 * self.done / self.total) if self.total else 0


class MotivationEvaluation(models.Model):
    """One run of `manage.py evaluate_motivations`: accuracy against simulated shoppers whose
    motivation is known, with the Bayes-optimal ceiling, for the admin report."""

    created_at = models.DateTimeField(auto_now_add=True)
    settings = models.JSONField(default=dict)
    results = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("motivation evaluation")
        verbose_name_plural = _("motivation evaluations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"evaluation {self.created_at:%Y-%m-%d %H:%M}"
