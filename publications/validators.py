"""Validators for identifiers editors type in by hand."""

from django.core.validators import RegexValidator

# A DOI as Crossref issues them: "10." prefix, registrant code, "/", suffix (no URL, no "doi:" prefix).
validate_doi = RegexValidator(
    r"^10\.\d{4,9}/\S+$",
    message='Enter a DOI such as "10.1234/ciss.2024.001", without "https://doi.org/".',
    code="invalid_doi",
)

validate_language = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
    message='Enter a language tag such as "en" or "ur".',
    code="invalid_language",
)
