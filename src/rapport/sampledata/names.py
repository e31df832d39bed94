"""Word lists for people, companies and job titles. Every name here is invented."""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Aisha", "Alex", "Alice", "Amara", "Amelia", "Andrew", "Anita", "Arjun", "Ben", "Bethany",
    "Callum", "Carla", "Catherine", "Chen", "Chloe", "Chris", "Daniel", "Deepa", "Eleanor", "Elif",
    "Emma", "Ethan", "Fatima", "Fiona", "Freya", "Gareth", "Grace", "Hannah", "Harriet", "Harry",
    "Imran", "Isla", "Jack", "James", "Jasmine", "Joanna", "Jonathan", "Joseph", "Kate", "Kwame",
    "Laura", "Leah", "Liam", "Lucy", "Mark", "Marta", "Matthew", "Maya", "Mohammed", "Nadia",
    "Naomi", "Neil", "Niamh", "Oliver", "Olivia", "Omar", "Owen", "Patrick", "Priya", "Rachel",
    "Rhys", "Richard", "Rosa", "Ruth", "Ryan", "Samir", "Sarah", "Sean", "Sophie", "Stephen",
    "Tariq", "Thomas", "Tom", "Una", "Victoria", "Wei", "William", "Yasmin", "Zoe", "Zainab",
)  # fmt: skip

LAST_NAMES = (
    "Adeyemi", "Ahmed", "Allen", "Anderson", "Bailey", "Baker", "Banerjee", "Bell", "Bennett",
    "Brooks", "Campbell", "Carter", "Chapman", "Clarke", "Collins", "Cooper", "Davies", "Dixon",
    "Doyle", "Edwards", "Evans", "Fernandes", "Fisher", "Fletcher", "Foster", "Gallagher", "Gill",
    "Gordon", "Graham", "Green", "Hall", "Harris", "Hughes", "Hussain", "Jackson", "Jenkins",
    "Johnson", "Jones", "Kaur", "Kelly", "Khan", "King", "Kowalski", "Lee", "Lewis", "Lloyd",
    "Macdonald", "Marshall", "Mason", "Mitchell", "Morgan", "Murphy", "Murray", "Nguyen", "Novak",
    "Okafor", "O'Brien", "Owen", "Palmer", "Parker", "Patel", "Phillips", "Price", "Quinn",
    "Reid", "Richards", "Roberts", "Robinson", "Rossi", "Scott", "Shah", "Sharma", "Simpson",
    "Singh", "Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Ward", "Watson",
    "White", "Williams", "Wilson", "Wood", "Wright", "Young", "Zhang",
)  # fmt: skip

# Invented British-sounding place words for company names.
PLACES = (
    "Ashcombe", "Ashdown", "Barrowfield", "Bramley", "Brightwell", "Calder", "Carrick",
    "Castleford", "Coldharbour", "Corringham", "Cranmore", "Dunmere", "Eastwick", "Elmbridge",
    "Fairhaven", "Fenwick", "Glenbrook", "Greystone", "Hartwell", "Hawksmoor", "Highcliffe",
    "Holloway", "Kestrel", "Kingsmere", "Larkfield", "Linwood", "Marlow", "Meridian", "Millbrook",
    "Northgate", "Oakridge", "Pembury", "Ravensworth", "Redmarsh", "Ridgeway", "Rushmere",
    "Saltmarsh", "Severn", "Silverdale", "Southholm", "Stanmore", "Tamar", "Thornbury", "Wexcombe",
    "Whitlow", "Wildmoor", "Windrush", "Wyvern", "Abbotsley", "Alderney", "Bellhaven",
    "Blackwater", "Charnwood", "Clearwater", "Dovecote", "Evenlode", "Fernhill", "Foxley",
    "Galloway", "Harrowgate", "Invermoor", "Juniper", "Lambourne", "Moorcroft", "Nettlebed",
    "Penhallow", "Quarrydale", "Rookwood", "Stourton", "Tidewell", "Upperton", "Valebridge",
    "Westerleigh",
)  # fmt: skip

SEGMENT_PATTERNS: dict[str, tuple[str, ...]] = {
    "Retail": (
        "{p} Stores", "{p} Home Retail", "{p} & Co. Department Stores", "{p} Outdoor",
        "{p} Garden Centres", "{p} Pharmacy Group", "{p} Fashion Group", "{p} Grocers",
    ),
    "Financial services": (
        "{p} Building Society", "{p} Mutual Insurance", "{p} Capital Partners", "{p} Bank",
        "{p} Wealth Management", "{p} Credit Union", "{p} Assurance",
    ),
    "Healthcare": (
        "{p} Community Health Trust", "{p} Private Hospitals", "{p} Care Homes Group",
        "{p} Diagnostics", "{p} Dental Partners", "{p} Medical Supplies",
    ),
    "Logistics": (
        "{p} Freight", "{p} Logistics", "{p} Distribution", "{p} Haulage", "{p} Parcel Services",
        "{p} Cold Chain", "{p} Shipping",
    ),
    "Public sector": (
        "{p} Borough Council", "{p} County Council", "{p} Housing Association",
        "{p} Fire and Rescue Service", "{p} University", "{p} Water Authority",
    ),
    "Manufacturing": (
        "{p} Precision Engineering", "{p} Components", "{p} Plastics", "{p} Foods",
        "{p} Packaging", "{p} Aerospace", "{p} Textiles",
    ),
}  # fmt: skip

SEGMENT_DOMAINS = {
    "Retail": "co.uk",
    "Financial services": "co.uk",
    "Healthcare": "org.uk",
    "Logistics": "com",
    "Public sector": "gov.uk",
    "Manufacturing": "co.uk",
}

# Job titles by the part the contact plays in the customer's decisions.
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "decision_maker": (
        "Chief Operating Officer", "Procurement Director", "Head of Operations",
        "Chief Executive", "Finance Director", "Director of Supply Chain",
        "Chief Information Officer",
    ),
    "sponsor": ("Operations Director", "Head of Customer Experience", "Commercial Director"),
    "influencer": (
        "Operations Manager", "IT Manager", "Category Manager", "Quality Manager",
        "Senior Buyer", "Programme Manager",
    ),
    "gatekeeper": ("Executive Assistant", "Procurement Officer", "Contracts Manager"),
    "user": (
        "Customer Service Lead", "Warehouse Supervisor", "Accounts Payable Clerk", "Analyst",
        "Team Leader", "Office Manager", "Site Coordinator", "Service Desk Analyst",
    ),
}  # fmt: skip

EXTERNAL_PARTIES = (
    ("Northbridge Research", "research_agency", "Annual relationship survey and interviews"),
    ("Harlow & Pike Audit", "auditor", "Contract and SLA compliance audit, twice a year"),
    ("ClearView Mystery Shopping", "mystery_shopper", "Quarterly mystery shops of the help desk"),
    ("Fairway Consulting", "consultant", "Service improvement programme review"),
    ("Office of Service Standards", "regulator", "Complaint handling and reporting oversight"),
)


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def email_local(name: str) -> str:
    first, _, last = name.partition(" ")
    cleaned = "".join(ch for ch in last.lower() if ch.isalpha())
    return f"{first.lower()}.{cleaned}"


def domain_for(company: str, segment: str) -> str:
    words = [w for w in company.lower().replace("&", " ").replace(".", " ").split() if w != "co"]
    return f"{''.join(words[:2])}.{SEGMENT_DOMAINS.get(segment, 'co.uk')}"


def uk_phone(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return f"+44 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
    return f"+44 {rng.choice(('20', '161', '121', '113', '117', '131', '141', '29'))} " + (
        f"{rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
    )


def company_names(rng: random.Random, segments: list[str]) -> list[str]:
    """One distinct invented company name per entry of `segments`."""
    places = rng.sample(PLACES, len(PLACES))
    names = []
    for k, segment in enumerate(segments):
        names.append(rng.choice(SEGMENT_PATTERNS[segment]).format(p=places[k % len(places)]))
    if len(set(names)) != len(names):
        raise ValueError("not enough place names for distinct company names")
    return names
