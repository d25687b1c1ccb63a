from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mutuelle.core import audit
from mutuelle.core.permissions import can, require
from mutuelle.core.roles import Perm
from mutuelle.core.scoping import get_for_user, visible_organizations
from mutuelle.lib.tabular import write_csv, write_xlsx

from .. import actions, queries, rules
from ..actions import NewHousehold, NewPerson
from ..forms import BirthForm, DeathForm, HouseholdForm, PersonForm, PersonFormSet, StatusForm
from ..models import Membership, Person, Relationship, Status

HEAD_WITHDREW = gettext_lazy(
    "The head has withdrawn: choose a new head, or withdraw the whole household."
)
STATUS_REASONS = [
    ("", "—"),
    ("paid", gettext_lazy("Contribution paid")),
    ("free_exit", gettext_lazy("Left of their own will")),
    ("arrears", gettext_lazy("Contributions in arrears")),
    ("death", gettext_lazy("Death")),
    ("board_decision", gettext_lazy("Decision of the board")),
    ("readmission", gettext_lazy("New adhesion")),
]


def _mutuals(user):
    return visible_organizations(user, Perm.ENROL_MEMBERS).filter(kind="mutual")


@login_required
def household_list(request):
    require(request.user, Perm.VIEW_REGISTER)
    place = request.GET.get("place", "")
    place_id = int(place) if place.isdigit() else None
    qs = queries.household_list(
        request.user,
        place_id=place_id,
        status=request.GET.get("status") or None,
    )
    found = []
    if q := request.GET.get("q", "").strip():
        found = queries.search_persons(request.user, q, place_id=place_id)
        qs = qs.filter(pk__in={p.household_id for p in found})
        if not found and rules.number_error(q) == "number.bad_check_digit":
            # A membership number with a mistyped digit: say so rather than "nobody".
            messages.warning(request, actions.REASONS["number.bad_check_digit"])
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "members/household_list.html",
        {
            "page": page,
            "q": q,
            "found": found,
            "statuses": Status.choices,
            "places": queries.register_places(request.user),
            "can_enrol": _mutuals(request.user).exists(),
        },
    )


@login_required
def household_detail(request, household_uuid):
    household = queries.household_detail(request.user, household_uuid)
    can_edit = can(request.user, Perm.ENROL_MEMBERS, household.organization)
    rows = []
    for person in household.persons.all():
        for membership in person.memberships.all():
            choices = [
                (value, label)
                for value, label in Status.choices
                if value in rules.TRANSITIONS.get(membership.status, ())
            ]
            rows.append({"person": person, "membership": membership, "choices": choices})
    return render(
        request,
        "members/household_detail.html",
        {
            "household": household,
            "rows": rows,
            "can_edit": can_edit,
            "history": queries.household_history(household),
            "today": timezone.localdate(),
            "reasons": STATUS_REASONS,
            "living": [p for p in household.persons.all() if not p.date_of_death],
            "relationships": [c for c in Relationship.choices if c[0] != "head"],
            "transfer_targets": can_edit and queries.transfer_targets(request.user, household),
        },
    )


@login_required
def household_person_row(request):
    """The htmx partial: one more person in the enrolment form."""
    require(request.user, Perm.ENROL_MEMBERS)
    try:
        index = max(0, min(int(request.GET.get("index", "1")), 40))
    except ValueError:
        index = 1
    form = PersonForm(prefix=f"persons-{index}", initial={"relationship": "child"})
    return render(request, "members/_person_row.html", {"form": form, "index": index})


@login_required
def household_enrol(request):
    """Enrol a household and its dependants in one form."""
    require(request.user, Perm.ENROL_MEMBERS)
    mutuals = _mutuals(request.user)
    if "add_person" in request.POST:
        # Without JavaScript, "Add a person" submits: show the same form with one more row,
        # unvalidated (no error messages on rows the officer has not filled yet).
        household_form, persons = _with_one_more_row(request.POST, mutuals)
        return render(
            request,
            "members/household_enrol.html",
            {
                "form": household_form,
                "persons": persons,
                "warnings": [],
            },
        )
    household_form = HouseholdForm(request.POST or None, mutuals=mutuals)
    persons = PersonFormSet(
        request.POST or None,
        prefix="persons",
        initial=None if request.method == "POST" else [{"relationship": "head"}],
    )
    warnings: list[tuple[str, str]] = []
    if request.method == "POST" and household_form.is_valid() and persons.is_valid():
        data = household_form.cleaned_data
        new = NewHousehold(
            persons=[_new_person(f.cleaned_data) for f in persons.forms if f.cleaned_data],
            place_id=data["place"].pk if data["place"] else None,
            address=data["address"],
            phone=data["phone"],
            ability_id=data["ability"].pk if data["ability"] else None,
            notes=data["notes"],
            confirmed_warnings=set(request.POST.getlist("confirm")),
            all_members_listed=data.get("all_members_listed", False),
        )
        try:
            household = actions.enrol_household(
                request.user, data["mutual"], new, timezone.localdate()
            )
        except ValidationError as exc:
            warnings = _attach(exc, household_form, persons)
        else:
            messages.success(
                request, _("Household %(number)s enrolled.") % {"number": household.number}
            )
            return redirect("household_detail", household_uuid=household.uuid)
    return render(
        request,
        "members/household_enrol.html",
        {
            "form": household_form,
            "persons": persons,
            "warnings": warnings,
        },
    )


def _with_one_more_row(post, mutuals):
    try:
        count = max(1, min(int(post.get("persons-TOTAL_FORMS", "1")), 40))
    except ValueError:
        count = 1
    fields = list(PersonForm.base_fields)
    rows = [{f: post.get(f"persons-{i}-{f}", "") for f in fields} for i in range(count)]
    rows.append({"relationship": "child"})
    household = HouseholdForm(
        initial={f: post.get(f, "") for f in HouseholdForm.base_fields}, mutuals=mutuals
    )
    return household, PersonFormSet(prefix="persons", initial=rows)


def _new_person(d) -> NewPerson:
    return NewPerson(
        given_names=d["given_names"],
        family_name=d["family_name"],
        sex=d["sex"],
        relationship=d["relationship"],
        birth_date=d.get("birth_date"),
        birth_year=d.get("birth_year"),
        id_document_type=d.get("id_document_type") or "",
        id_document_number=d.get("id_document_number") or "",
        phone=d.get("phone") or "",
    )


def _attach(exc: ValidationError, household_form, persons) -> list[tuple[str, str]]:
    """Put the action's errors where they belong; return the warning codes to confirm."""
    warnings: list[tuple[str, str]] = []
    if not hasattr(exc, "error_dict"):
        household_form.add_error(None, exc)
        return warnings
    for key, errors in exc.error_dict.items():
        if key.startswith("persons."):
            index = int(key.split(".")[1])
            form = persons.forms[index] if index < len(persons.forms) else None
            for error in errors:
                if error.code and error.code.startswith("household."):
                    warnings.append((error.code, error.messages[0]))
                if form is not None:
                    form.add_error(None, error)
        else:
            household_form.add_error(None, errors)
    return warnings


@login_required
@require_POST
def membership_status(request, membership_uuid):
    """Change one membership's status (withdraw, activate, suspend, exclude, death...)."""
    membership = get_for_user(
        Membership.unscoped.select_related("person__household", "organization"),
        request.user,
        Perm.VIEW_REGISTER,
        uuid=membership_uuid,
    )
    require(request.user, Perm.ENROL_MEMBERS, membership.organization)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            actions.change_status(
                request.user,
                membership,
                form.cleaned_data["to"],
                form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Status changed."))
            household = membership.person.household
            if form.cleaned_data["to"] == "withdrawn" and household.head_id == membership.person_id:
                messages.warning(request, HEAD_WITHDREW)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        _report_form(request, form)
    return redirect("household_detail", household_uuid=membership.person.household.uuid)


def _household_for_change(request, household_uuid):
    household = queries.household_detail(request.user, household_uuid)
    require(request.user, Perm.ENROL_MEMBERS, household.organization)
    return household


def _person_for_change(request, person_uuid) -> Person:
    """A person the user may see and whose register they may change (404 / 403 otherwise)."""
    person = get_for_user(
        Person.unscoped.select_related("household", "organization"),
        request.user,
        Perm.VIEW_REGISTER,
        uuid=person_uuid,
    )
    require(request.user, Perm.ENROL_MEMBERS, person.organization)
    return person


def _report(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _report_form(request, form) -> None:
    """A small form posted from the household page: its errors go back as one message."""
    messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))


@login_required
@require_POST
def household_birth(request, household_uuid):
    household = _household_for_change(request, household_uuid)
    form = BirthForm(request.POST)
    if form.is_valid():
        try:
            actions.declare_birth(
                request.user, household, on=timezone.localdate(), **form.cleaned_data
            )
            messages.success(request, _("Birth declared."))
        except ValidationError as exc:
            _report(request, exc)
    else:
        _report_form(request, form)
    return redirect("household_detail", household_uuid=household.uuid)


@login_required
@require_POST
def person_death(request, person_uuid):
    person = _person_for_change(request, person_uuid)
    form = DeathForm(request.POST)
    if form.is_valid():
        try:
            was_head = actions.declare_death(
                request.user,
                person,
                date_of_death=form.cleaned_data["date_of_death"],
                on=timezone.localdate(),
            )
            messages.success(request, _("Death recorded."))
            if was_head:
                messages.warning(request, _("The household has no head now: choose one."))
        except ValidationError as exc:
            _report(request, exc)
    else:
        _report_form(request, form)
    return redirect("household_detail", household_uuid=person.household.uuid)


@login_required
@require_POST
def household_head(request, household_uuid):
    household = _household_for_change(request, household_uuid)
    try:
        person = household.persons.get(uuid=request.POST.get("person"))
    except (Person.DoesNotExist, ValidationError, ValueError):
        messages.error(request, _("Choose a member of this household."))
        return redirect("household_detail", household_uuid=household.uuid)
    try:
        actions.reassign_head(request.user, household, person)
        messages.success(
            request, _("%(name)s is now the head of the household.") % {"name": person}
        )
    except ValidationError as exc:
        _report(request, exc)
    return redirect("household_detail", household_uuid=household.uuid)


EXPORT_COLUMNS = [
    ("household", gettext_lazy("Household number")),
    ("number", gettext_lazy("Membership number")),
    ("given_names", gettext_lazy("Given names")),
    ("family_name", gettext_lazy("Family name")),
    ("sex", gettext_lazy("Sex")),
    ("birth", gettext_lazy("Date or year of birth")),
    ("relationship", gettext_lazy("Relationship")),
    ("status", gettext_lazy("Status")),
    ("since", gettext_lazy("Status since")),
    ("village", gettext_lazy("Village")),
    ("phone", gettext_lazy("Phone")),
]


def _export_row(row, labels) -> list:
    hh, num, given, family, sex, bdate, byear, rel, st, since, village, phone = row
    birth = bdate.isoformat() if bdate else (byear or "")
    return [
        hh,
        num,
        given,
        family,
        sex,
        birth,
        str(labels.get(rel, rel)),
        str(labels.get(st, st)),
        since.isoformat(),
        village or "",
        phone,
    ]


@login_required
def register_export(request, fmt):
    """The register within the user's scope, one row per membership (CSV or XLSX)."""
    require(request.user, Perm.VIEW_REGISTER)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = (
        queries.memberships(request.user)
        .select_related("person__household__place")
        .order_by("person__household__number", "number")
        .values_list(
            "person__household__number",
            "number",
            "person__given_names",
            "person__family_name",
            "person__sex",
            "person__birth_date",
            "person__birth_year",
            "person__relationship",
            "status",
            "status_since",
            "person__household__place__name",
            "person__phone",
        )
    )
    labels = {**dict(Relationship.choices), **dict(Status.choices)}
    data = [_export_row(row, labels) for row in rows.iterator(chunk_size=5000)]
    headers = [str(label) for _key, label in EXPORT_COLUMNS]
    if fmt == "csv":
        body, ctype = write_csv(headers, data), "text/csv; charset=utf-8"
    else:
        body = write_xlsx(headers, data, title="register")
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    audit.record(request.user, "register.exported", None, rows=len(data), format=fmt)
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = (
        f'attachment; filename="register-{timezone.localdate()}.{fmt}"'
    )
    return response


@login_required
@require_POST
def household_withdraw(request, household_uuid):
    household = _household_for_change(request, household_uuid)
    try:
        count = actions.withdraw_household(request.user, household, timezone.localdate())
        messages.success(request, _("%(n)s memberships withdrawn.") % {"n": count})
    except ValidationError as exc:
        _report(request, exc)
    return redirect("household_detail", household_uuid=household.uuid)
