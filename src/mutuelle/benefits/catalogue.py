"""The starter catalogue: common acts of West African primary care and district hospitals,
installed per organization (idempotent) and extended by each one. Names in French and English;
the sex and age ranges are the clinical possibility of each act, nothing else."""

# (code, French, English, category, unit, possible for, minimum age, maximum age)
STARTER_ACTS: list[tuple[str, str, str, str, str, str, int | None, int | None]] = [
    # Consultations
    (
        "CONS-INF",
        "Consultation par un infirmier",
        "Consultation by a nurse",
        "consultation",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "CONS-SF",
        "Consultation par une sage-femme",
        "Consultation by a midwife",
        "consultation",
        "act",
        "F",
        10,
        None,
    ),  # noqa: E501
    (
        "CONS-MG",
        "Consultation de médecine générale",
        "Consultation by a general practitioner",
        "consultation",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "CONS-SPE",
        "Consultation spécialisée",
        "Consultation by a specialist",
        "consultation",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "CONS-URG",
        "Consultation d'urgence (nuit, jour férié)",
        "Emergency consultation (night, holiday)",
        "consultation",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    # Antenatal care and delivery
    (
        "CPN",
        "Consultation prénatale (CPN)",
        "Antenatal care visit (ANC)",
        "antenatal",
        "act",
        "F",
        10,
        55,
    ),  # noqa: E501
    (
        "ECHO-OBS",
        "Échographie obstétricale",
        "Obstetric ultrasound",
        "antenatal",
        "act",
        "F",
        10,
        55,
    ),  # noqa: E501
    ("ACC-NORM", "Accouchement normal", "Normal delivery", "delivery", "act", "F", 10, 55),
    ("ACC-CES", "Césarienne", "Caesarean section", "delivery", "act", "F", 10, 55),
    ("CPON", "Consultation postnatale", "Postnatal care visit", "delivery", "act", "F", 10, 55),
    # Hospitalization
    (
        "HOSP-J",
        "Journée d'hospitalisation",
        "Day of hospitalization",
        "hospitalization",
        "day",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MISE-OBS",
        "Mise en observation (moins de 24 h)",
        "Observation (under 24 hours)",
        "hospitalization",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    # Surgery
    (
        "CHIR-MIN",
        "Petite chirurgie (suture, incision d'abcès)",
        "Minor surgery (suture, abscess incision)",
        "surgery",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    ("CHIR-APP", "Appendicectomie", "Appendectomy", "surgery", "act", "any", None, None),
    ("CHIR-HER", "Cure de hernie", "Hernia repair", "surgery", "act", "any", None, None),
    # Laboratory
    (
        "TDR-PALU",
        "Test de diagnostic rapide du paludisme (TDR)",
        "Malaria rapid diagnostic test (RDT)",
        "laboratory",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    ("GE", "Goutte épaisse", "Thick blood smear", "laboratory", "act", "any", None, None),
    (
        "NFS",
        "Numération formule sanguine (NFS)",
        "Full blood count",
        "laboratory",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    ("GLY", "Glycémie", "Blood glucose", "laboratory", "act", "any", None, None),
    (
        "EXA-URI",
        "Examen des urines (bandelette)",
        "Urine test (dipstick)",
        "laboratory",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    ("TEST-GROS", "Test de grossesse", "Pregnancy test", "laboratory", "act", "F", 10, 55),
    ("WIDAL", "Sérodiagnostic de Widal", "Widal test", "laboratory", "act", "any", None, None),
    # Imaging
    ("RX-THX", "Radiographie du thorax", "Chest X-ray", "imaging", "act", "any", None, None),
    ("RX-MEM", "Radiographie d'un membre", "X-ray of a limb", "imaging", "act", "any", None, None),
    (
        "ECHO-ABD",
        "Échographie abdominale",
        "Abdominal ultrasound",
        "imaging",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    # Essential generic medicines
    (
        "MED-AMOX",
        "Amoxicilline 500 mg (traitement)",
        "Amoxicillin 500 mg (course)",
        "medicines",
        "treatment",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-ACT",
        "Artéméther-luméfantrine (traitement)",
        "Artemether-lumefantrine (course)",
        "medicines",
        "treatment",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-PARA",
        "Paracétamol 500 mg (plaquette)",
        "Paracetamol 500 mg (strip)",
        "medicines",
        "item",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-SRO",
        "Sels de réhydratation orale (sachet)",
        "Oral rehydration salts (sachet)",
        "medicines",
        "item",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-ZINC",
        "Zinc 20 mg (traitement)",
        "Zinc 20 mg (course)",
        "medicines",
        "treatment",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-FER",
        "Fer-acide folique (plaquette)",
        "Iron-folic acid (strip)",
        "medicines",
        "item",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-COTRI",
        "Cotrimoxazole 480 mg (traitement)",
        "Co-trimoxazole 480 mg (course)",
        "medicines",
        "treatment",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-METRO",
        "Métronidazole 250 mg (traitement)",
        "Metronidazole 250 mg (course)",
        "medicines",
        "treatment",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-IBU",
        "Ibuprofène 400 mg (plaquette)",
        "Ibuprofen 400 mg (strip)",
        "medicines",
        "item",
        "any",
        None,
        None,
    ),  # noqa: E501
    ("MED-MEBEN", "Mébendazole 500 mg", "Mebendazole 500 mg", "medicines", "item", "any", 1, None),  # noqa: E501
    (
        "MED-QUIN",
        "Quinine injectable (ampoule)",
        "Injectable quinine (ampoule)",
        "medicines",
        "item",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "MED-OXY",
        "Ocytocine injectable (ampoule)",
        "Injectable oxytocin (ampoule)",
        "medicines",
        "item",
        "F",
        10,
        55,
    ),  # noqa: E501
    (
        "MED-SP",
        "Sulfadoxine-pyriméthamine (TPI)",
        "Sulfadoxine-pyrimethamine (IPTp)",
        "medicines",
        "treatment",
        "F",
        10,
        55,
    ),  # noqa: E501
    # Dental and optical
    ("DENT-EXT", "Extraction dentaire", "Tooth extraction", "dental", "act", "any", None, None),
    (
        "DENT-SOIN",
        "Soins dentaires (obturation)",
        "Dental filling",
        "dental",
        "act",
        "any",
        None,
        None,
    ),  # noqa: E501
    (
        "OPT-LUN",
        "Lunettes correctrices (monture et verres)",
        "Glasses (frame and lenses)",
        "optical",
        "item",
        "any",
        None,
        None,
    ),  # noqa: E501
    # Evacuation and transport
    (
        "EVAC-AMB",
        "Transfert en ambulance",
        "Ambulance transfer",
        "evacuation",
        "trip",
        "any",
        None,
        None,
    ),  # noqa: E501
]
