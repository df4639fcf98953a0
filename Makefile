# Two entry points, each creating .venv itself: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/transnet run --bundle taixin

test: $(VENV)/.installed-test browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Debian's chromium for tests/test_browser.py, which Playwright drives through `executable_path`
# (never `playwright install`), and CJK fonts so the maps' Chinese labels render in screenshots.
# Installed only when missing and only as root; otherwise a message, and the browser tests fail
# under CI (CI set) or are skipped elsewhere.
BROWSER_PACKAGES := chromium fonts-noto-cjk

browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing="chromium"; \
	if command -v dpkg-query >/dev/null 2>&1 && ! dpkg-query -W -f='$${Status}' fonts-noto-cjk \
		2>/dev/null | grep -q 'ok installed'; then missing="$$missing fonts-noto-cjk"; fi; \
	missing="$${missing# }"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make browser: installing $$missing (apt-get, for the browser tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(BROWSER_PACKAGES) >/dev/null \
			|| echo "make browser: apt-get failed; the browser tests need $$missing" >&2; \
	else \
		echo "make browser: not installed: $$missing. The browser tests need chromium (without" \
			"it they fail under CI, elsewhere they are skipped) and fonts-noto-cjk for Chinese" \
			"labels in screenshots; as root: apt-get install --no-install-recommends" \
			"$(BROWSER_PACKAGES)" >&2; \
	fi

clean:
	rm -rf $(VENV) outputs/taixin
