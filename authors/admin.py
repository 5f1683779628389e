from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from authors.models import Author, AuthorLink, Education, Position, Work
from authors.services import author_delete, author_update
from cissapi.public_site import public_or_api
from cissapi.richtext import EDITOR_HELP_TEXT, editor_widget, page_media
from cissapi.uploads import uploads_not_kept
from media.admin import thumbnail_html


class PositionInline(admin.TabularInline):
    model = Position
    fields = ["title", "organization", "start_year", "end_year", "is_current", "position"]
    extra = 0


class EducationInline(admin.TabularInline):
    model = Education
    fields = ["degree", "field", "institution", "status", "year", "position"]
    extra = 0


class WorkInline(admin.StackedInline):
    model = Work
    fields = [("kind", "title"), ("publisher", "year"), ("isbn", "url"), "position"]
    extra = 0


class AuthorLinkInline(admin.TabularInline):
    model = AuthorLink
    fields = ["kind", "url", "handle", "position"]
    extra = 0


class AuthorForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = "__all__"  # noqa: DJ007 (the admin fieldsets choose the fields shown)
        widgets = {"bio": editor_widget()}
        help_texts = {"bio": EDITOR_HELP_TEXT}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    form = AuthorForm
    inlines = [PositionInline, EducationInline, WorkInline, AuthorLinkInline]
    list_display_links = ["display_name"]
    list_display = [
        "photo_thumbnail",
        "display_name",
        "headline",
        "kind",
        "affiliation",
        "publication_count",
        "updated_at",
    ]
    list_filter = ["kind", "affiliation", "interests"]
    # Names go through the API's typo-tolerant search (get_search_results); these are matched as typed.
    search_fields = ["slug", "headline", "email"]
    search_help_text = 'Name (typos and accents forgiven: "Zubair" finds "Zubayr"), slug, headline or email.'
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["interests", "outlets", "photo"]
    readonly_fields = ["created_at", "updated_at", "photo_preview"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["honorific", "name", "slug", "sort_name", "headline", "kind", "affiliation"]}),
        ("Bio", {"fields": ["short_bio", "bio", "photo", "photo_preview", "interests", "outlets"]}),
        ("Private", {"fields": ["email"], "description": "Never shown publicly."}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    class Media:
        # The desk's fixes to Django's admin: one time-zone note per page, narrow-screen layout.
        css = {"all": ["cissapi/admin-desk.css"]}
        js = ["cissapi/admin-desk.js"]

    @admin.display(description="Photo")
    def photo_thumbnail(self, author: Author) -> str:
        return thumbnail_html(author.photo, size=48)

    @admin.display(description="Photo preview")
    def photo_preview(self, author: Author) -> str:
        return thumbnail_html(author.photo, size=120)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Author | None = None,
    ) -> HttpResponse:
        context["media"] = page_media(context["media"], request)
        if warning := uploads_not_kept(request):
            self.message_user(request, warning, messages.WARNING)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Author], search_term: str
    ) -> tuple[QuerySet[Author], bool]:
        if not search_term.strip():
            return queryset, False
        # The same trigram name search as the API's author ?q=, or a slug, headline or email as typed.
        # Matched in subqueries of the bare table, so the list's own joins and counts stay out of them.
        as_typed, _ = super().get_search_results(request, Author.objects.all(), search_term)
        names = Author.objects.search_names(search_term)
        return queryset.filter(Q(pk__in=names.values("pk")) | Q(pk__in=as_typed.values("pk"))), False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Author]:
        return (
            super()
            .get_queryset(request)
            .select_related("photo")
            .annotate(publication_total=Count("authorships"))
        )

    @admin.display(description="publications (any state)", ordering="publication_total")
    def publication_count(self, obj: Author) -> str:
        # The publication list filtered to this author's pieces (its "authors" filter, by id); by URL
        # name, since authors must not import publications.
        changelist = reverse("admin:publications_publication_changelist")
        return format_html(
            '<a href="{}?authors__id__exact={}">{}</a>', changelist, obj.pk, obj.publication_total
        )

    def view_on_site(self, obj: Author) -> str:
        # Until a public site answers at SITE_URL, the API's author detail (every author has one).
        return public_or_api(obj.public_url, reverse("v1:author-detail", kwargs={"slug": obj.slug}))

    def save_model(self, request: HttpRequest, obj: Author, form, change: bool) -> None:
        # The bio's rows (positions, education, works, links) are plain rows, saved by the inlines.
        author_update(author=obj)

    def delete_model(self, request: HttpRequest, obj: Author) -> None:
        author_delete(author=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Author]) -> None:
        for author in queryset:
            author_delete(author=author)
