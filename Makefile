# Mutuelle — the two commands: `make demo` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
M      := $(VENV)/bin/mutuelle
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-sqlite bench lint messages check-messages clean

$(STAMP): pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)
	scripts/system_deps.sh
	$(PY) scripts/i18n.py compile

## make demo: install, migrate SQLite under var/, load the demo network, run a worker and the
## web server on http://127.0.0.1:8000 (Ctrl+C stops both).
demo: install
	$(M) migrate --noinput -v0
	$(M) createcachetable
	$(M) collectstatic --noinput -v0
	$(M) demo
	@mkdir -p var
	@$(M) worker > var/worker.log 2>&1 & echo $$! > var/worker.pid; \
	  trap 'kill $$(cat var/worker.pid) 2>/dev/null' EXIT INT TERM; \
	  $(M) serve --bind 127.0.0.1:8000

## make test: the whole suite on SQLite, then on PostgreSQL when DATABASE_URL points to one.
test: install
	scripts/system_deps.sh --browser
	scripts/test.sh

## make bench [B=name]: benchmarks (PostgreSQL, DATABASE_URL).
bench: install
	$(PY) bench/run.py $(B)

lint: install
	$(VENV)/bin/mypy src
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

messages: install
	cd src/mutuelle && ../../$(M) makemessages -l fr -l en --no-obsolete --add-location file
	$(PY) scripts/i18n.py compile

check-messages: install
	$(PY) scripts/i18n.py check

clean:
	rm -rf $(VENV) var/static var/test*.sqlite3*
