# Everything a fresh machine needs: `make run` serves, `make test` tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
HOST ?= 127.0.0.1
export COMMENTSVC_PUBLIC_URL ?= http://$(HOST):$(PORT)
PYTEST_ARGS ?=

.PHONY: run test venv chromium widget-deps widget bench soak clean

$(BIN)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,postgres,redis,server]'
	touch $@

venv: $(BIN)/.installed

run: venv widget
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi sites ensure-demo
	@echo "commentsvc on $(COMMENTSVC_PUBLIC_URL)  (demo page: $(COMMENTSVC_PUBLIC_URL)/demo)"
	COMMENTSVC_OUTBOX_THREAD=$${COMMENTSVC_OUTBOX_THREAD:-1} \
		$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 1 --threads 8 \
		--no-control-socket wsgi:app

# Debian's Chromium for the browser tests (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
		else sudo apt-get install -y -q chromium; fi; }

test: venv chromium widget-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# Pinned front-end tools (never a downloaded browser): esbuild minifies the widget into
# widget/dist/ (the browser tests build and use it), axe-core checks accessibility.
WIDGET_NPM := axe-core@4.14.1 esbuild@0.28.2
WIDGET_STAMP := node_modules/.widget-deps-$(subst @,-,$(subst $() ,_,$(WIDGET_NPM)))

$(WIDGET_STAMP):
	npm install --no-save --no-package-lock --no-audit --no-fund $(WIDGET_NPM)
	touch $@

widget-deps: $(WIDGET_STAMP)

widget: venv widget-deps
	$(BIN)/python -m commentsvc.web

clean:
	rm -rf $(VENV) build *.egg-info node_modules widget/dist

# Load benchmark, not part of `make test` (README "Performance"); BENCH_ARGS=--postgres for
# PostgreSQL + Redis.
bench: venv
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Five minutes of mixed traffic; fails on any 5xx, lost write or growing memory.
soak: venv
	$(BIN)/python bench/soak.py $(SOAK_ARGS)
