from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "rapport.feedback"
    label = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        # Models are loaded only now; responses keep their account's team (see Response.team).
        from rapport.customers.services import ACCOUNT_MOVED_HOOKS
        from rapport.feedback.services import follow_account_team

        ACCOUNT_MOVED_HOOKS.append(follow_account_team)
