"""The default global rules (decision 126): a fresh installation raises alerts without anyone
writing rules first. Administrators edit or switch them off like any global rule."""

from django.db import migrations

DEFAULT_RULES = [
    ("CSAT outside its target band", "target_breached",
     {"metric": "csat", "default_tolerance": 5.0}, "high"),
    ("NPS outside its target band", "target_breached",
     {"metric": "nps", "default_tolerance": 10.0}, "high"),
    ("CSAT control rule broken", "control_rule_broken",
     {"metric": "csat", "rules": "default"}, "high"),
    ("NPS detractors control rule broken", "control_rule_broken",
     {"metric": "nps", "rules": "default"}, "medium"),
    ("CSAT falling for six months", "significant_trend", {"metric": "csat", "periods": 6},
     "medium"),
    ("More than 2 complaints in 30 days", "complaints", {"threshold": 2, "days": 30}, "high"),
    ("Decision maker is a detractor", "decision_maker_detractor", {"days": 90}, "high"),
    ("No decision-maker contact for 60 days", "decision_maker_silent", {"days": 60}, "medium"),
    ("Commitment overdue", "commitment_overdue", {"grace_days": 0}, "medium"),
    ("Expectation not met", "expectation_not_met", {}, "high"),
    ("Renewal within 90 days with health falling", "renewal_health_falling", {"days": 90},
     "critical"),
]  # fmt: skip


def install(apps, schema_editor):
    Rule = apps.get_model("alerts", "Rule")
    Rule.objects.bulk_create(
        Rule(name=name, scope="global", kind=kind, params=params, severity=severity,
             active=True, is_default=True)
        for name, kind, params, severity in DEFAULT_RULES
    )  # fmt: skip


def remove(apps, schema_editor):
    apps.get_model("alerts", "Rule").objects.filter(is_default=True, alerts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
