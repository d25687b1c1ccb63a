"""The manager's journey: import a 200-row register with three bad rows, read the report, fix
the file, import it, and find the counts."""

import pytest

from mutuelle.core import actions as core_actions
from mutuelle.members.models import Household, Membership

from .conftest import horizontal_overflow
from .test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = (
    "Référence du ménage;Prénoms;Nom de famille;Sexe (F/M);Lien avec le chef de ménage;"
    "Date de naissance;Année de naissance;Numéro de la pièce d'identité;Téléphone;"
    "Code du village"
)
GIVEN = ["Mamadou", "Aminata", "Moussa", "Fatou", "Ousmane", "Khady", "Ibrahima", "Awa"]
# Ten families: no two persons of the file share name, sex and birth year (the import would
# rightly warn of homonyms as duplicate suspects; the duplicate journey is tested elsewhere).
FAMILIES = ["Diop", "Ndiaye", "Fall", "Sow", "Ba", "Sy", "Faye", "Gueye", "Sarr", "Mbaye"]


def register(bad: bool) -> str:
    """40 households of five: 200 rows; three of them broken when `bad`."""
    lines = [HEADER]
    for h in range(1, 41):
        for i in range(5):
            relationship, year = ("chef", 1970 + h % 20) if i == 0 else ("enfant", 2000 + i)
            sex = "M" if i % 2 == 0 else "F"
            family = FAMILIES[h % 10]
            lines.append(
                f"H{h:03d};{GIVEN[(h + i) % 8]};{family};{sex};{relationship};;{year};;;SN-V1"
            )
    if bad:
        lines[2] = lines[2].replace(";F;", ";Z;")  # a sex that does not exist
        lines[10] = lines[10].replace(";2004;", ";20x4;")  # not a year
        lines[50] = lines[50].replace(";enfant;", ";voisin;")  # not a relationship
    return "\n".join(lines) + "\n"


def test_a_manager_imports_a_register_and_fixes_three_rows(
    real_hashers, world, app_server, phone, tmp_path
):
    sn = core_actions.create_place(country="SN", code="SN", name="Sénégal")
    core_actions.create_place(country="SN", code="SN-V1", name="Ndiaye Bopp", parent=sn)
    log_in(phone, app_server, world.manager.username)

    def upload(content: str):
        path = tmp_path / "registre.csv"
        path.write_bytes(content.encode("cp1252"))
        phone.goto(f"{app_server}/imports/households/")
        phone.select_option("#id_organization", label=str(world.mutual_a))
        phone.set_input_files("#id_file", str(path))
        with phone.expect_navigation():
            phone.click("main form button[type=submit]")
        # The check runs as a job; without a worker in this test, run it the way a worker does.
        from mutuelle.core import jobs
        from mutuelle.core.models import Job

        job = Job.unscoped.filter(kind="core.import_check").order_by("-pk").first()
        jobs.run(job.pk)
        phone.reload()

    upload(register(bad=True))
    report = phone.locator("main").inner_text()
    assert "Rien n'a été importé" in report and "3 en erreur" in report
    assert "Z n'est pas une des valeurs" in report and "20x4" in report and "voisin" in report
    assert horizontal_overflow(phone) <= 0
    assert not Household.unscoped.exists()

    upload(register(bad=False))
    checked = phone.locator("main").inner_text()
    assert "200 lignes vérifiées" in checked and "avertissement" not in checked
    with phone.expect_navigation():
        phone.click("text=Importer ces lignes")
    from mutuelle.core import jobs
    from mutuelle.core.models import Job

    jobs.run(Job.unscoped.filter(kind="core.import_commit").order_by("-pk").first().pk)
    phone.reload()
    assert "200 créés" in phone.locator("main").inner_text()
    assert Household.unscoped.count() == 40 and Membership.unscoped.count() == 200
