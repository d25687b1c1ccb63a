import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from mutuelle.lib.tabular import MAX_BYTES, write_csv, write_xlsx

from ..imports import IMPORTERS
from ..imports import actions as import_actions
from ..imports.base import ROW_REASONS, TABLE_REASONS
from ..imports.jobs import CHECK, COMMIT
from ..models import ImportRow, Job
from ..permissions import can, require
from ..roles import Perm
from ..scoping import visible_organizations
from .jobs import visible_jobs


class UploadForm(forms.Form):
    organization: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("For"), queryset=None, required=False
    )
    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


def _importer(slug):
    try:
        return IMPORTERS[slug]
    except KeyError as exc:
        raise Http404 from exc


def explain(code: str, params: dict, labels: dict | None = None) -> str:
    template = ROW_REASONS.get(code) or TABLE_REASONS.get(code)
    if labels and "column" in params:
        params = {**params, "column": labels.get(params["column"], params["column"])}
    if template is None:
        return code
    try:
        return str(template) % params
    except (KeyError, TypeError):
        return str(template)


@login_required
def import_index(request):
    require(request.user, Perm.RUN_IMPORTS)
    importers = [i for i in IMPORTERS.values() if can(request.user, i.perm)]
    recent = visible_jobs(request.user).filter(kind__in=[CHECK, COMMIT])[:20]
    return render(request, "core/import_index.html", {"importers": importers, "recent": recent})


@login_required
def import_template(request, importer, fmt):
    imp = _importer(importer)
    require(request.user, imp.perm)
    language = get_language()[:2]
    headers, rows = imp.template_headers(language), [imp.template_example()]
    if fmt == "csv":
        body, ctype = write_csv(headers, rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = write_xlsx(headers, rows, title=imp.slug)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{imp.slug}-{language}.{fmt}"'
    return response


@login_required
def import_upload(request, importer):
    imp = _importer(importer)
    require(request.user, imp.perm)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        organizations=visible_organizations(request.user, imp.perm),
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", explain("table.too_large", {"limit_mb": MAX_BYTES // 2**20}))
            return render(request, "core/import_upload.html", {"importer": imp, "form": form})
        job = import_actions.start_check(
            request.user,
            importer=imp.slug,
            organization=form.cleaned_data["organization"],
            filename=upload.name,
            content=upload.read(),
        )
        return redirect("import_report", job_uuid=job.uuid)
    return render(request, "core/import_upload.html", {"importer": imp, "form": form})


def _check_job(user, job_uuid) -> Job:
    try:
        job = visible_jobs(user).get(uuid=job_uuid, kind=CHECK)
    except Job.DoesNotExist as exc:
        raise Http404 from exc
    if job.created_by_id != user.pk:
        require(user, IMPORTERS[job.params["importer"]].perm, job.organization)
    return job


def column_labels(job) -> dict[str, str]:
    """Column keys as the user reads them in the template of their language."""
    return {c.key: str(c.label) for c in IMPORTERS[job.params["importer"]].columns}


def _reported(job):
    """Rows with an error or a warning, in file order."""
    return (
        ImportRow.unscoped.filter(job=job)
        .filter(~Q(errors=[]) | ~Q(warnings=[]))
        .order_by("line")
        .only("line", "errors", "warnings")
    )


def _problems(rows, labels):
    """(line, column, level, problem) for each error, then each warning, of each row."""
    levels = ((_("Error"), "errors"), (_("Warning"), "warnings"))
    for row in rows:
        for level, attr in levels:
            for item in getattr(row, attr):
                column = labels.get(item["column"], item["column"])
                yield row.line, column, level, explain(item["code"], item["params"], labels)


class _Echo:
    def write(self, value):
        return value


@login_required
def import_report(request, job_uuid):
    job = _check_job(request.user, job_uuid)
    labels = column_labels(job)
    page = Paginator(
        _reported(job) if job.is_finished else ImportRow.unscoped.none(), 100
    ).get_page(request.GET.get("page"))
    errors = list(_problems(page.object_list, labels))
    file_messages = [explain(m["code"], m["params"], labels) for m in job.messages]
    commit = Job.unscoped.filter(kind=COMMIT, params__check_job=job.pk).first()
    return render(
        request,
        "core/import_report.html",
        {
            "job": job,
            "page": page,
            "errors": errors,
            "file_messages": file_messages,
            "commit": commit,
            "importer": IMPORTERS[job.params["importer"]],
        },
    )


@login_required
def import_report_csv(request, job_uuid):
    job = _check_job(request.user, job_uuid)
    labels = column_labels(job)
    headers = [str(_("Line")), str(_("Column")), str(_("Level")), str(_("Problem"))]
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        # Streamed: a register of 100,000 households may have many warnings.
        yield "\ufeff" + writer.writerow(headers)
        for line, column, level, problem in _problems(_reported(job).iterator(), labels):
            yield writer.writerow([line, column, str(level), problem])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{job.uuid}.csv"'
    return response


@login_required
@require_POST
def import_commit(request, job_uuid):
    job = _check_job(request.user, job_uuid)
    try:
        commit = import_actions.start_commit(
            request.user, job, warnings_read=bool(request.POST.get("warnings_read"))
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("import_report", job_uuid=job.uuid)
    return redirect("job_detail", job_uuid=commit.uuid)
