"""English feedback comments built from templates: theme × sentiment, with variety.

Each theme has a few singular subjects and several positive and negative predicates, so
subject × predicate alone gives several hundred distinct sentences; openers, a second theme and
closing remarks add more. Incident comments name what went wrong (late deliveries, invoice
errors) so text analysis can find them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Theme:
    subjects: tuple[str, ...]
    positive: tuple[str, ...]
    negative: tuple[str, ...]


THEMES: dict[str, Theme] = {
    "delivery": Theme(
        ("Delivery", "Our last delivery", "The delivery schedule", "Order fulfilment"),
        ("arrived on time and complete", "has been reliable all month",
         "was handled without a single problem", "was faster than we expected",
         "was well coordinated with our warehouse", "came with clear tracking updates"),
        ("arrived late again", "was incomplete and we had to chase the missing items",
         "slipped by several days without any warning", "caused delays on our side",
         "keeps missing the agreed time slot", "was damaged in transit"),
    ),
    "billing": Theme(
        ("Invoicing", "The latest invoice", "Billing", "The monthly statement"),
        ("was accurate and easy to reconcile", "matched the purchase order exactly",
         "was clear and arrived on time", "has been spot on since the change",
         "made month-end much easier", "was simple to understand"),
        ("had errors that took weeks to correct", "did not match the agreed rates",
         "charged us twice for the same service", "arrived without the reference we need",
         "is confusing and hard to reconcile", "included items we never ordered"),
    ),
    "account_management": Theme(
        ("Our account manager", "The account team", "Account management",
         "The quarterly review"),
        ("really understands our business", "is proactive and always follows up",
         "gave us useful ideas for next year", "keeps us informed without being asked",
         "made time for us when it mattered", "was well prepared and to the point"),
        ("changes too often and we have to start again", "rarely gets back to us",
         "did not follow up on the actions we agreed", "feels like a sales pitch",
         "was cancelled at short notice", "does not seem to know our account"),
    ),
    "product_quality": Theme(
        ("The product", "Product quality", "The new release", "The latest batch"),
        ("is excellent and consistent", "has improved noticeably this year",
         "does exactly what we need", "met every specification we set",
         "has been very stable", "is the best we have used"),
        ("has too many defects", "failed our quality checks",
         "is not what was specified", "has been unreliable since the update",
         "broke within weeks", "needs rework far too often"),
    ),
    "support": Theme(
        ("Support", "The help desk", "Your support team", "The response to our ticket"),
        ("answered quickly and fixed the issue first time", "was responsive and helpful",
         "resolved our problem within the hour", "kept us updated until it was closed",
         "went out of its way to help", "was available when we needed it"),
        ("took days to respond", "closed the ticket without fixing anything",
         "kept passing us between teams", "was slow and unhelpful",
         "never called us back", "did not understand the problem"),
    ),
    "onboarding": Theme(
        ("Onboarding", "The implementation project", "The set-up process", "The training"),
        ("went smoothly and on schedule", "was well planned from the start",
         "got our people up to speed quickly", "was better organised than expected",
         "had clear milestones and owners", "made the switch painless"),
        ("dragged on for months", "was poorly planned", "left our staff confused",
         "missed every milestone", "had no clear owner on your side",
         "was rushed and incomplete"),
    ),
    "pricing": Theme(
        ("Pricing", "The renewal quote", "The price increase", "Value for money"),
        ("is fair for what we get", "was competitive and clearly explained",
         "compares well with the market", "was reasonable given the service",
         "was easy to justify internally", "is transparent"),
        ("is too high for the service we receive", "came as a surprise",
         "is hard to justify to our finance team", "was not explained at all",
         "is well above the market rate", "keeps creeping up"),
    ),
    "communication": Theme(
        ("Communication", "Keeping us informed", "Our weekly update",
         "Information about changes"),
        ("is clear and timely", "has been excellent throughout", "is honest and open",
         "arrives before we need to ask", "is concise and useful", "has really improved"),
        ("is patchy at best", "only happens when we complain", "came far too late",
         "is inconsistent between teams", "was confusing and contradictory",
         "has been missing for weeks"),
    ),
    "reporting": Theme(
        ("Reporting", "The monthly report", "The service dashboard", "The KPI pack"),
        ("gives us exactly what we need", "is accurate and on time",
         "helps us spot problems early", "is easy to share with our board",
         "has become genuinely useful", "is clear and well presented"),
        ("is often late", "contains figures that do not add up",
         "does not show what we asked for", "is too generic to be useful",
         "was missing last month", "is hard to read"),
    ),
    "staff_attitude": Theme(
        ("Your staff", "The team on site", "The people we deal with", "Your drivers"),
        ("are friendly and professional", "were courteous and helpful",
         "go the extra mile", "are a pleasure to work with",
         "treated our customers with respect", "were patient and knowledgeable"),
        ("were rude to our team", "seemed uninterested", "were unprofessional on site",
         "did not listen to what we needed", "were dismissive of our concerns",
         "argued with our staff"),
    ),
}  # fmt: skip

# Predicates agree with every subject of their theme (staff_attitude is plural throughout).

OPENERS = (
    "", "", "", "Overall, ", "To be honest, ", "This quarter ", "Lately ", "As usual, ",
    "In general, ", "On the whole ",
)  # fmt: skip
POSITIVE_CLOSERS = (
    "Thank you.", "Keep it up.", "Thanks to everyone involved.", "Very happy so far.",
    "We would recommend you.", "Great work.", "Much appreciated.",
)  # fmt: skip
NEGATIVE_CLOSERS = (
    "Please look into this.", "This needs to improve.", "We expect better.",
    "We are reviewing our options.", "Not good enough.", "Please call me to discuss.",
    "This has been raised before.",
)  # fmt: skip
NEUTRAL = (
    "No particular issues to report.", "Fine overall.", "Service as expected.",
    "Nothing to add this time.", "Generally okay, some room for improvement.",
    "About the same as last quarter.",
)  # fmt: skip

# Comments that name the incident, by incident theme.
INCIDENT_SENTENCES: dict[str, tuple[str, ...]] = {
    "delivery": (
        "Late deliveries again this week, and nobody told us in advance.",
        "Three late deliveries in a fortnight have left our shelves empty.",
        "The delivery failures are hurting our own customers.",
        "Another missed delivery slot; we had staff waiting all morning.",
        "Late deliveries have become the norm since the depot change.",
        "Half of the order arrived late and the rest did not arrive at all.",
        "We need a plan to fix the late deliveries, not another apology.",
    ),
    "billing": (
        "Invoice errors again: we were charged for services we did not receive.",
        "The invoice errors this month mean we cannot close our books.",
        "Every invoice since the system change has had errors.",
        "We have been double-billed and are still waiting for the credit note.",
        "Invoice errors are taking up hours of our finance team's time.",
        "The new billing system is producing incorrect invoices.",
        "Please fix the invoice errors before sending the next statement.",
    ),
}


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


def sentence(rng: random.Random, theme: str, positive: bool, *, opener: bool = True) -> str:
    t = THEMES[theme]
    subject = rng.choice(t.subjects)
    predicate = rng.choice(t.positive if positive else t.negative)
    start = rng.choice(OPENERS) if opener else ""
    if start:
        subject = _lower_first(subject)
    return f"{start}{subject} {predicate}."


def comment(rng: random.Random, theme: str, sentiment: str, *, incident: str | None = None) -> str:
    """One comment about `theme`; sentiment is 'positive', 'negative' or 'mixed'."""
    if incident is not None:
        parts = [rng.choice(INCIDENT_SENTENCES[incident])]
        if rng.random() < 0.5:
            parts.append(sentence(rng, incident, False, opener=False))
        if rng.random() < 0.4:
            parts.append(rng.choice(NEGATIVE_CLOSERS))
        return " ".join(parts)
    other = rng.choice([k for k in THEMES if k != theme])
    if sentiment == "positive":
        parts = [sentence(rng, theme, True)]
        if rng.random() < 0.3:
            parts.append(sentence(rng, other, True, opener=False))
        if rng.random() < 0.5:
            parts.append(rng.choice(POSITIVE_CLOSERS))
    elif sentiment == "negative":
        parts = [sentence(rng, theme, False)]
        if rng.random() < 0.3:
            parts.append(sentence(rng, other, False, opener=False))
        if rng.random() < 0.5:
            parts.append(rng.choice(NEGATIVE_CLOSERS))
    else:
        if rng.random() < 0.25:
            return rng.choice(NEUTRAL)
        good = sentence(rng, other, True, opener=False)
        bad = _lower_first(sentence(rng, theme, False, opener=False))
        parts = [good, f"However, {bad}"] if rng.random() < 0.5 else [f"{good[:-1]}, but {bad}"]
    return " ".join(parts)


def distinct_sentences() -> int:
    """How many distinct core sentences the templates can produce (without openers)."""
    return sum(len(t.subjects) * (len(t.positive) + len(t.negative)) for t in THEMES.values())
