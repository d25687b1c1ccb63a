"""Django settings for Mutuelle.

Everything a deployment changes comes from the environment:

    DATABASE_URL            default sqlite:///<var>/mutuelle.sqlite3 (PostgreSQL: postgres://...)
    MUTUELLE_VAR_DIR        where the SQLite file, uploads, backups and the secret key live (var/)
    MUTUELLE_SECRET_KEY     default: generated once into <var>/secret_key
    MUTUELLE_DEBUG          "1" for development
    MUTUELLE_ALLOWED_HOSTS  comma-separated
    MUTUELLE_BACKUP_DIR     default <var>/backups
    MUTUELLE_CARD_VALIDITY_MONTHS  default 12 (membership cards)
    MUTUELLE_EMAIL_BACKEND, MUTUELLE_SMS_BACKEND  see docs/notifications.md
"""

import os
import secrets
import time
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
# A source checkout keeps its data in ./var; an installed package (no pyproject.toml above
# it) in ./var of the directory it runs from, never inside site-packages.
_DEFAULT_VAR = PROJECT_DIR / "var" if (PROJECT_DIR / "pyproject.toml").exists() else Path("var")
VAR_DIR = Path(os.environ.get("MUTUELLE_VAR_DIR", _DEFAULT_VAR)).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("MUTUELLE_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    try:
        # O_EXCL: when several gunicorn workers start at once, one writes, all read the same.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    for _attempt in range(50):  # the writer may not have finished its single write yet
        if key := path.read_text().strip():
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("MUTUELLE_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("MUTUELLE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("MUTUELLE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "mutuelle.core",
    "mutuelle.accounting",
    "mutuelle.members",
    "mutuelle.cards",
    "mutuelle.benefits",
    "mutuelle.contributions",
    "mutuelle.providers",
    "mutuelle.claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mutuelle.core.middleware.SecurityHeadersMiddleware",
    "mutuelle.core.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # axes last: it inspects the response of the login view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mutuelle.urls"
WSGI_APPLICATION = "mutuelle.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "mutuelle.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mutuelle.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One mutual on one computer: WAL lets readers work while a writer writes; IMMEDIATE
    # transactions take the write lock up front so writers queue (busy timeout) instead of
    # failing half-way with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {
        # A file, not memory: worker subprocesses in tests must see the same database.
        "NAME": str(VAR_DIR / "test.sqlite3"),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "mutuelle.core.auth.EmailOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "mutuelle.core.hashers.ModestArgon2PasswordHasher",  # docs/decisions/0004
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: a whole office often shares one public address, so lock the pair
# (username, address), never the address alone.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "mutuelle.core.auth.lockout_identity"
AXES_CLIENT_IP_CALLABLE = "mutuelle.core.auth.client_ip"
# How many reverse proxies (nginx, a load balancer) stand in front of gunicorn: their
# X-Forwarded-For entries give the client's address for lockouts. 0: no proxy.
MUTUELLE_PROXY_COUNT = int(os.environ.get("MUTUELLE_PROXY_COUNT", "0"))

OTP_TOTP_ISSUER = "Mutuelle"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and os.environ.get("MUTUELLE_HTTPS") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
WHITENOISE_MAX_AGE = 31536000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Cache, tasks ---------------------------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "mutuelle_cache",
    }
}
TASKS = {
    "default": {
        "BACKEND": os.environ.get("MUTUELLE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A worker that has not been seen for this long is presumed dead; its running jobs resume.
MUTUELLE_WORKER_STALE_SECONDS = int(os.environ.get("MUTUELLE_WORKER_STALE_SECONDS", "60"))
# A running job whose progress has not moved for this long is presumed dead, worker or not.
MUTUELLE_JOB_STUCK_SECONDS = int(os.environ.get("MUTUELLE_JOB_STUCK_SECONDS", "1800"))
# Pause between job chunks (seconds). Zero in production; tests and demos slow jobs down.
MUTUELLE_JOB_CHUNK_PAUSE = float(os.environ.get("MUTUELLE_JOB_CHUNK_PAUSE", "0"))

# --- Notifications, backups -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "MUTUELLE_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "outbox" / "email"
DEFAULT_FROM_EMAIL = os.environ.get("MUTUELLE_FROM_EMAIL", "mutuelle@localhost")
MUTUELLE_SMS_BACKEND = os.environ.get(
    "MUTUELLE_SMS_BACKEND", "mutuelle.core.notifications.sms.FileSmsGateway"
)
MUTUELLE_OUTBOX_DIR = VAR_DIR / "outbox"
MUTUELLE_BACKUP_DIR = Path(os.environ.get("MUTUELLE_BACKUP_DIR", VAR_DIR / "backups"))
MUTUELLE_BACKUP_KEEP = int(os.environ.get("MUTUELLE_BACKUP_KEEP", "14"))
# How long a membership card is valid (a mutual may choose otherwise: cards.CardDesign).
MUTUELLE_CARD_VALIDITY_MONTHS = int(os.environ.get("MUTUELLE_CARD_VALIDITY_MONTHS", "12"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "mutuelle": {"level": os.environ.get("MUTUELLE_LOG_LEVEL", "INFO")},
        "django_tasks_db": {"level": "WARNING"},
    },
}
