"""Labelled comments for the sentiment model tests.

DOMAIN: how this organisation's customers write. Most carry no word in VADER's lexicon
("arrived late again", "on time and complete"), so VADER calls them neutral (and "credit note"
positive); a model trained on the labels learns "late", "again", "still", "on time".
CLEAR: comments with plain sentiment words, which VADER gets right every time, so no model
can beat it on them.
"""

from __future__ import annotations

DOMAIN_NEGATIVE = (
    "The pallets arrived late again", "Delivery slot missed again this week",
    "The invoice still does not reconcile", "We needed another credit note again",
    "The driver left the pallets outside again", "Our ticket is still open after three weeks",
    "The truck turned up late again", "Half the order was missing again",
    "Still waiting for the credit note", "The order arrived late and short again",
    "Invoice sent to the old address again", "The depot lost our parcels again",
    "Another late delivery this week", "Still no call back about the missing pallets",
)  # fmt: skip
DOMAIN_POSITIVE = (
    "Pallets arrived on time and complete", "Invoices reconcile first time every month",
    "Delivered before the slot every day", "Every order on time and complete this quarter",
    "The driver called ahead and arrived on time", "Tickets are closed the same day",
    "The truck was on time all month", "Complete orders on time since March",
    "Credit notes came the same day", "Every delivery on time this month",
    "Invoices correct first time since the new system", "The depot ships complete orders on time",
    "On time and complete, week after week", "Called back within the hour",
)  # fmt: skip
NEUTRAL = (
    "We order every Tuesday", "Our contact changed in March", "We moved to weekly deliveries",
    "We use the north depot", "Orders go through the portal now",
    "Our finance team handles the invoices", "We switched to pallets in May",
    "Deliveries come to the back entrance", "The contract renews in June", "We have two sites now",
    "Our buyer is new this year", "Orders are placed on Mondays",
)  # fmt: skip
CLEAR_NEGATIVE = (
    "Terrible service, awful experience", "Horrible, rude and useless staff",
    "The worst delivery we have ever had, a disaster", "Awful quality and very disappointing",
    "Terrible, angry customers because of you", "Bad service, really bad",
    "Useless support, we are furious", "Hate the new portal, it is awful",
    "Dreadful service and terrible communication", "Very poor, really disappointing",
    "Horrible experience again, so frustrating", "Awful, just awful",
)  # fmt: skip
CLEAR_POSITIVE = (
    "Great service, thank you", "Excellent work, we love it", "Wonderful team, very helpful",
    "Fantastic delivery, really happy", "Brilliant support, thanks a lot",
    "Very good, we are pleased", "Amazing quality, great job",
    "Superb service and friendly staff", "Happy with everything, great work",
    "Excellent, thank you so much", "Really great, love the new portal", "Perfect, very happy",
)  # fmt: skip

DOMAIN = (
    [(t, "negative") for t in DOMAIN_NEGATIVE]
    + [(t, "positive") for t in DOMAIN_POSITIVE]
    + [(t, "neutral") for t in NEUTRAL]
)
CLEAR = (
    [(t, "negative") for t in CLEAR_NEGATIVE]
    + [(t, "positive") for t in CLEAR_POSITIVE]
    + [(t, "neutral") for t in NEUTRAL]
)
