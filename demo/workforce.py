"""Demo workforce for seed_demo: a course per track, an exam per credential kind, and people
holding credentials in every state. Everything goes through the workforce services."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from annotators.models import Ability, Course, CredentialKind, CredentialPolicy, Exam, Topic
from annotators.selectors import attempt_questions
from annotators.services import (
    attempt_answer,
    attempt_start,
    attempt_submit,
    course_create,
    credential_revoke,
    credential_suspend,
    exam_create,
    module_add,
    policy_update,
    question_add,
    training_confirm_module,
    training_open_module,
    training_start,
    workforce_sweep,
)

from .clock import as_of

COURSES = {
    "functional": "Functional annotation and review: the essentials",
    "safety": "Safety annotation and review: the essentials",
}
MODULES = {
    Topic.TASK_RULES: ("Working by the rules",
                       "Every task is pinned to a published rule version. Read it, acknowledge "
                       "it, and follow its objectives, method and quality indicators."),
    Topic.TOOL_USE: ("Using the labelling tools",
                     "Ask for the next item, label it, submit. Keyboard shortcuts: **1** to "
                     "**9** pick an option, **Enter** submits, **S** skips with a reason."),
    Topic.QUALITY_VERIFICATION: ("How quality is checked",
                                 "Each batch is sampled; reviewers check sampled labels against "
                                 "the rules. Labels submitted too fast are always sampled."),
    Topic.DATA_SECURITY: ("Keeping data safe",
                          "Items stay in this system: no copies, screenshots or notes outside "
                          "it. Report any leak at once."),
}

CHOICE_QUESTIONS = {
    Ability.UNDERSTANDING_RULES: [
        ("A task's rules were updated to a new version. What must you do before labelling?",
         ["Acknowledge the new version after reading it", "Nothing", "Ask a colleague"], [0]),
        ("The rules' quality indicators say a target accuracy of 0.95. What does it mean?",
         ["95% of sampled items must be accurate", "95 items a day", "95 seconds per item"],
         [0]),
        ("Which sections does every rule version have?",
         ["Objectives, data formats, method, quality indicators, annotation and review "
          "guidance", "Only a title", "Only examples"], [0]),
        ("Functional rules guide which qualities of the data? (several)",
         ["Authenticity", "Accuracy", "Objectivity", "Diversity", "Length"], [0, 1, 2, 3]),
        ("May you annotate and review in the same task?",
         ["No: one function per person per task", "Yes", "Only on weekends"], [0]),
        ("An item fits no rule. What do you do?",
         ["Skip it with a reason", "Guess", "Label it as the previous one"], [0]),
        ("Where are the rules you work by?",
         ["Under Rules, the version your task is pinned to", "In an email", "Nowhere"], [0]),
        ("A published rule version has an error. Who changes it?",
         ["Nobody: a manager publishes a new version", "You", "The reviewer"], [0]),
        ("Safety rules must cover how many risk categories?",
         ["All 31 of Appendix A", "Five", "Ten"], [0]),
        ("What is the review guidance for?",
         ["How reviewers check labels", "How to log in", "How to take breaks"], [0]),
    ],
    Ability.USING_TOOLS: [
        ("How do you get the next item to label?", ["Press Next item", "Email a manager",
                                                    "Reload until one appears"], [0]),
        ("Your lease on an item ran out. What happens?",
         ["The item returns to the pool", "You keep it forever", "It is deleted"], [0]),
        ("Which key submits a label?", ["Enter", "Escape", "F5"], [0]),
        ("How do you skip an item?", ["Press S and give a reason", "Close the tab",
                                      "Submit an empty label"], [0]),
        ("You submitted faster than the minimum time. What happens?",
         ["It is accepted, flagged and always sampled", "It is refused", "Nothing"], [0]),
        ("Where do you see your credentials?", ["My training", "The admin", "Nowhere"], [0]),
        ("What does the countdown in an exam do?",
         ["Shows the time left; the server enforces it", "Nothing", "Pauses the exam"], [0]),
        ("Which of these are label widgets? (several)",
         ["Single choice", "Rating scale", "Ranking", "Free text", "Video call"],
         [0, 1, 2, 3]),
        ("How do you mark text that carries a risk?", ["Select the span", "Copy it out",
                                                       "Screenshot it"], [0]),
        ("Can you label an item you already labelled?", ["No", "Yes, twice", "Only once more"],
         [0]),
    ],
    Ability.IDENTIFYING_RISKS: [
        ("A text praises a terrorist attack. Which group of risks?",
         ["A.1 core values", "A.3 commercial", "A.5 service safety"], [0]),
        ("A reply calls older workers unable to learn. Which risk?",
         ["Age discrimination (A.2.f)", "Trade secrets (A.3.c)", "None"], [0]),
        ("A text reveals a named person's medical record. Which risks? (several)",
         ["Privacy (A.4.e)", "Personal information (A.4.f)", "Monopoly (A.3.d)"], [0, 1]),
        ("A neutral news summary of a court case about defamation presents the risk of "
         "defamation itself.", ["False", "True"], [0]),
    ],
    Ability.DATA_SECURITY: [
        ("May you copy items into a personal notebook?", ["No", "Yes", "Only short ones"], [0]),
        ("You find an item with a person's ID number. What do you do?",
         ["Label it by the rules and never copy it", "Post it to the team chat",
          "Save it for later"], [0]),
        ("Where are safety labels stored?", ["In their own segregated database",
                                              "In a spreadsheet", "On your desktop"], [0]),
        ("A stranger asks for your login. What do you do?",
         ["Refuse and report it", "Share it", "Share half"], [0]),
        ("May you take screenshots of items?", ["No", "Yes", "Only of images"], [0]),
        ("You leave your desk. What do you do first?", ["Lock the screen", "Nothing",
                                                         "Turn up the brightness"], [0]),
        ("Which of these are data-security duties? (several)",
         ["Report leaks at once", "Keep items in the system", "Use your own login only",
          "Share passwords with the team"], [0, 1, 2]),
        ("Someone emails you an export of labels. What do you do?",
         ["Report it to a manager", "Forward it", "Open it at home"], [0]),
        ("Who may see the items of a task?", ["Its members and managers", "Everyone",
                                              "The public"], [0]),
        ("How long may you keep notes about items?", ["Never outside the system", "A week",
                                                       "Forever"], [0]),
    ],
}
PRACTICAL = [
    ("An answer says people from one province are lazy and should not be hired.", ["A.2.d"]),
    ("A reply lists a named person's home address and phone number.", ["A.4.e", "A.4.f"]),
    ("A chatbot claims that drinking bleach cures a cold.", ["A.1.g", "A.4.a"]),
    ("A balanced summary of the history of a trade dispute between two firms.", []),
    ("The answer reproduces a full chapter of a copyrighted novel.", ["A.3.a"]),
    ("A job advert written by the model says only men need apply.", ["A.2.e"]),
]


def _course(manager: AbstractBaseUser, track: str) -> Course:
    course = Course.objects.filter(title=COURSES[track]).first()
    if course is None:
        course = course_create(actor=manager, title=COURSES[track],
                               description=f"In-house training for the {track} track.")
        for topic, (title, body) in MODULES.items():
            module_add(actor=manager, course_id=course.pk, title=title, topic=topic, body=body)
    return course


def _exam(manager: AbstractBaseUser, kind: CredentialKind) -> Exam:
    title = f"{kind.label} exam"
    exam = Exam.objects.filter(title=title).first()
    if exam is not None:
        return exam
    exam = exam_create(actor=manager, title=title, time_limit_minutes=30,
                       questions_per_ability=5)
    for ability, rows in CHOICE_QUESTIONS.items():
        for prompt, options, key in rows:
            question_add(actor=manager, exam_id=exam.pk, ability=ability,
                         kind="multiple" if len(key) > 1 else "single", prompt=prompt,
                         options=options, key=key,
                         explanation=f"The correct answer: {', '.join(options[i] for i in key)}.")
    for sample, key in PRACTICAL:
        question_add(actor=manager, exam_id=exam.pk, ability=Ability.IDENTIFYING_RISKS,
                     kind="practical", prompt="Which risk categories does this sample present?",
                     sample_text=sample, key=key,
                     explanation=f"Present: {', '.join(key) or 'none'}.")
    return exam


def _train_and_pass(user: AbstractBaseUser, kind: str) -> None:
    policy = CredentialPolicy.objects.get(kind=kind)
    training_start(user=user, course_id=policy.course_id)
    for module in policy.course.modules.order_by("position"):
        training_open_module(user=user, module_id=module.pk)
        training_confirm_module(user=user, module_id=module.pk)
    attempt = attempt_start(user=user, kind=kind)
    for question, _ in attempt_questions(attempt):
        attempt_answer(user=user, attempt_id=attempt.pk, question_id=question.pk,
                       response=list(question.key))
    attempt_submit(user=user, attempt_id=attempt.pk)


SHORT_VALIDITY = {"validity_days": 30, "retraining_interval_days": 30,
                  "reassessment_interval_days": 30, "expiry_notice_days": 30}


def seed_workforce(*, manager: AbstractBaseUser) -> list[str]:
    """Create what is missing; return lines describing what exists."""
    for kind in CredentialKind:
        track = "safety" if kind.startswith("safety") else "functional"
        policy = CredentialPolicy.objects.get(kind=kind)
        if policy.exam_id is None:
            policy_update(actor=manager, kind=kind, changes={
                "course": _course(manager, track), "exam": _exam(manager, kind)})
    users = {u.username: u for u in get_user_model().objects.all()}
    if users["annotator.chen"].credentials.exists():
        return ["Workforce: courses, exams and credentials exist"]

    plan = [
        ("annotator.chen", CredentialKind.SAFETY_ANNOTATE),
        ("annotator.chen", CredentialKind.FUNCTIONAL_ANNOTATE),
        ("annotator.wang", CredentialKind.FUNCTIONAL_ANNOTATE),
        ("annotator.zhao", CredentialKind.SAFETY_ANNOTATE),
        ("annotator.liu", CredentialKind.FUNCTIONAL_ANNOTATE),
        ("reviewer.sun", CredentialKind.SAFETY_REVIEW),
        ("reviewer.sun", CredentialKind.FUNCTIONAL_REVIEW),
        ("reviewer.zhou", CredentialKind.FUNCTIONAL_REVIEW),
    ]
    for username, kind in plan:
        if username == "annotator.wang":
            # Issued with the shortest validity, so the table shows one expiring soon.
            policy = CredentialPolicy.objects.get(kind=kind)
            usual = {name: getattr(policy, name) for name in SHORT_VALIDITY}
            policy_update(actor=manager, kind=kind, changes=SHORT_VALIDITY)
            _train_and_pass(users[username], kind)
            policy_update(actor=manager, kind=kind, changes=usual)
        elif username == "reviewer.zhou":
            # Trained and examined a year and a half ago, so the sweep expires it.
            with as_of(timezone.now() - timedelta(days=550)):
                _train_and_pass(users[username], kind)
        else:
            _train_and_pass(users[username], kind)
    workforce_sweep()
    credential_suspend(actor=manager, credential_id=users["annotator.zhao"].credentials.get().pk,
                       reason="Labels under review after a complaint.")
    credential_revoke(actor=manager, credential_id=users["annotator.liu"].credentials.get().pk,
                      reason="Copied items outside the system.")
    return ["Workforce: a course per track, an exam per credential kind (40 questions each), "
            "credentials active (chen, sun), expiring soon (wang), suspended (zhao), "
            "revoked (liu), expired (zhou)"]
