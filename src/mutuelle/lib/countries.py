"""ISO 3166-1 alpha-2 codes with French and English names, for the countries Mutuelle serves
first (francophone and lusophone Africa) and those the network reports beside them."""

COUNTRIES: dict[str, tuple[str, str]] = {
    # code: (English, French)
    "BJ": ("Benin", "Bénin"),
    "BF": ("Burkina Faso", "Burkina Faso"),
    "BI": ("Burundi", "Burundi"),
    "CM": ("Cameroon", "Cameroun"),
    "CV": ("Cabo Verde", "Cap-Vert"),
    "CF": ("Central African Republic", "République centrafricaine"),
    "TD": ("Chad", "Tchad"),
    "KM": ("Comoros", "Comores"),
    "CG": ("Congo", "Congo"),
    "CD": ("Democratic Republic of the Congo", "République démocratique du Congo"),
    "CI": ("Côte d'Ivoire", "Côte d'Ivoire"),
    "GQ": ("Equatorial Guinea", "Guinée équatoriale"),
    "GA": ("Gabon", "Gabon"),
    "GH": ("Ghana", "Ghana"),
    "GN": ("Guinea", "Guinée"),
    "GW": ("Guinea-Bissau", "Guinée-Bissau"),
    "MG": ("Madagascar", "Madagascar"),
    "ML": ("Mali", "Mali"),
    "MR": ("Mauritania", "Mauritanie"),
    "MA": ("Morocco", "Maroc"),
    "MZ": ("Mozambique", "Mozambique"),
    "AO": ("Angola", "Angola"),
    "NE": ("Niger", "Niger"),
    "NG": ("Nigeria", "Nigeria"),
    "RW": ("Rwanda", "Rwanda"),
    "ST": ("Sao Tome and Principe", "Sao Tomé-et-Principe"),
    "SN": ("Senegal", "Sénégal"),
    "TG": ("Togo", "Togo"),
    "TN": ("Tunisia", "Tunisie"),
    "BE": ("Belgium", "Belgique"),
    "FR": ("France", "France"),
    "CH": ("Switzerland", "Suisse"),
    "CA": ("Canada", "Canada"),
    "HT": ("Haiti", "Haïti"),
    "BR": ("Brazil", "Brésil"),
    "PT": ("Portugal", "Portugal"),
    "IN": ("India", "Inde"),
    "PH": ("Philippines", "Philippines"),
}


def country_name(code: str, language: str = "en") -> str:
    english, french = COUNTRIES.get(code, (code, code))
    return french if language.startswith("fr") else english
