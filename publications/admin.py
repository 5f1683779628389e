from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from publications.models import CrossPost, Publication, PublicationAuthor
from publications.services import publication_publish, publication_unpublish


class StateFilter(admin.SimpleListFilter):
    """The states an editor thinks in; "published" alone hides whether a piece is live or only scheduled."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("draft", "Draft"), ("in_review", "In review"), ("scheduled", "Scheduled"), ("live", "Live")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Publication]) -> QuerySet[Publication]:
        match self.value():
            case "draft":
                return queryset.filter(status=Publication.Status.DRAFT)
            case "in_review":
                return queryset.filter(status=Publication.Status.IN_REVIEW)
            case "scheduled":
                return queryset.scheduled()
            case "live":
                return queryset.published()
        return queryset


class AuthorshipForm(forms.ModelForm):
    class Meta:
        model = PublicationAuthor
        fields = ["author", "role", "position"]

    def _get_validation_exclusions(self) -> set[str]:
        # Positions are renumbered by the formset and checked by a deferred constraint at commit,
        # so two authors may swap places in one save.
        return {*super()._get_validation_exclusions(), "position"}


class AuthorshipFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        kept = [
            (form.cleaned_data.get("position") or 0, index, form)
            for index, form in enumerate(self.forms)
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        # The byline order is what the editor chose; the numbers become 0, 1, 2... without gaps or ties.
        for rank, (_, _, form) in enumerate(sorted(kept, key=lambda item: item[:2])):
            form.cleaned_data["position"] = rank
            form.instance.position = rank
        super().clean()


class AuthorshipInline(admin.TabularInline):
    model = PublicationAuthor
    form = AuthorshipForm
    formset = AuthorshipFormSet
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order: lowest position first)"


class CrossPostFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        canonical = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("is_canonical")
        ]
        if len(canonical) > 1:
            raise ValidationError("Only one cross-post can be the canonical source.")


class CrossPostInline(admin.TabularInline):
    model = CrossPost
    formset = CrossPostFormSet
    autocomplete_fields = ["outlet"]
    fields = ["outlet", "url", "relation", "published_on", "is_canonical"]
    extra = 0


class PublicationForm(forms.ModelForm):
    # The updated_at the editor's form was loaded with: a save over someone else's newer edit is refused
    # instead of silently overwriting it.
    loaded_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Publication
        fields = "__all__"  # noqa: DJ007 (the admin fieldsets choose the fields shown)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_updated_at"].initial = self.instance.updated_at.isoformat()

    def clean(self) -> dict:
        cleaned = super().clean()
        loaded = cleaned.get("loaded_updated_at")
        if self.instance.pk and loaded:
            current = (
                Publication.objects.filter(pk=self.instance.pk).values_list("updated_at", flat=True).first()
            )
            if current is not None and current.isoformat() != loaded:
                raise ValidationError(
                    "Someone else saved this publication after you opened it. Copy your changes, "
                    "reload the page and apply them again, so neither edit is lost."
                )
        if cleaned.get("status") == Publication.Status.PUBLISHED and not cleaned.get("published_at"):
            self.add_error("published_at", "Set when it goes live (now or a future time to schedule it).")
        return cleaned


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    form = PublicationForm
    inlines = [AuthorshipInline, CrossPostInline]
    list_display = ["title", "type", "state", "published_at", "byline", "series", "updated_at", "public_link"]
    list_filter = [
        StateFilter,
        "type",
        "topics",
        "series",
        ("authors", admin.RelatedOnlyFieldListFilter),
        "language",
    ]
    list_select_related = ["series"]
    date_hierarchy = "published_at"
    search_fields = ["title", "subtitle", "slug", "summary", "authors__name", "doi", "report_number"]
    search_help_text = "Title, slug, summary, author name, DOI or report number."
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics", "series"]
    readonly_fields = ["uuid", "first_published_at", "created_at", "updated_at", "word_count"]
    actions = ["publish", "unpublish"]
    save_on_top = True
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["type", "title", "subtitle", "slug", "summary", "body", "language"]}),
        (
            "Publishing",
            {
                "fields": ["status", "published_at", "comments_enabled", "loaded_updated_at"],
                "description": "Draft and In review are never public. Published with a future time is "
                "scheduled: it goes live by itself at that time.",
            },
        ),
        ("Classification", {"fields": ["topics", "series", "volume", "issue"]}),
        (
            "Image",
            {"fields": ["image", "image_caption", "image_credit", "image_alt"], "classes": ["collapse"]},
        ),
        ("Identifiers and files", {"fields": ["doi", "report_number", "pdf"], "classes": ["collapse"]}),
        ("Editors only", {"fields": ["internal_notes"]}),
        (
            "Record",
            {
                "fields": ["uuid", "first_published_at", "created_at", "updated_at", "word_count"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Publication]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("authorships", queryset=PublicationAuthor.objects.select_related("author"))
            )
        )

    @admin.display(description="state", ordering="status")
    def state(self, obj: Publication) -> str:
        if obj.is_scheduled:
            return f"Scheduled for {timezone.localtime(obj.published_at):%Y-%m-%d %H:%M}"
        if obj.is_live:
            return "Live"
        return obj.get_status_display()

    @admin.display(description="authors")
    def byline(self, obj: Publication) -> str:
        return ", ".join(a.author.display_name for a in obj.authorships.all())

    @admin.display(description="public page")
    def public_link(self, obj: Publication) -> str:
        # Only live pieces have a public page; linking a draft would invite sharing a 404.
        if not obj.is_live:
            return "-"
        return format_html('<a href="{}" target="_blank" rel="noopener">view</a>', obj.public_url)

    def view_on_site(self, obj: Publication) -> str | None:
        return obj.public_url if obj.is_live else None

    @admin.action(description="Publish selected (now, or at their scheduled time)", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Publication]) -> TemplateResponse | None:
        # Like Django's bulk delete: the first submit only shows what would happen, so nothing goes live
        # by a slip of the action menu.
        if request.POST.get("post") != "yes":
            return self._publish_confirmation(request, queryset)
        done = 0
        for publication in queryset:
            try:
                publication_publish(publication=publication, by=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{publication}: {'; '.join(error.messages)}", messages.ERROR)
        self.message_user(request, f"Published or scheduled {done} publication(s).", messages.SUCCESS)
        return None

    def _publish_confirmation(
        self, request: HttpRequest, queryset: QuerySet[Publication]
    ) -> TemplateResponse:
        now = timezone.now()
        live_now, scheduled, already_live = [], [], []
        for publication in queryset.order_by("title"):
            if publication.is_live:
                already_live.append(publication)
            elif publication.published_at is not None and publication.published_at > now:
                scheduled.append(publication)
            else:
                live_now.append(publication)
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish the selected publications?",
            "opts": self.opts,
            "queryset": queryset,
            "live_now": live_now,
            "scheduled": scheduled,
            "already_live": already_live,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/publications/publication/publish_confirmation.html", context)

    @admin.action(description="Unpublish selected (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Publication]) -> None:
        count = 0
        for publication in queryset.filter(status=Publication.Status.PUBLISHED):
            publication_unpublish(publication=publication, by=request.user)
            count += 1
        self.message_user(request, f"Unpublished {count} publication(s).", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Publication, form, change: bool) -> None:
        if obj.status == Publication.Status.PUBLISHED and obj.first_published_at is None:
            obj.first_published_at = obj.published_at or timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(CrossPost)
class CrossPostAdmin(admin.ModelAdmin):
    list_display = ["publication", "outlet", "relation", "is_canonical", "published_on"]
    list_filter = ["relation", "is_canonical", "outlet"]
    list_select_related = ["publication", "outlet"]
    search_fields = ["publication__title", "url", "outlet__name"]
    autocomplete_fields = ["publication", "outlet"]
