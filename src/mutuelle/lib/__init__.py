"""Small helpers that import no Mutuelle app: money, periods, codes, file reading."""
