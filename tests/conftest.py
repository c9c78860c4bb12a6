"""Shared test setup: hypothesis profiles and a guard that restores global autograd state.

Profiles (pick with HYPOTHESIS_PROFILE=name): `ci` (default: modest, so the core suite runs in
a few minutes on 2 cores), `quick` (a smoke run), `thorough` (before a release). Under CI
(the CI environment variable set, as .ci/run runs) examples are derandomized: the same
examples every run, so a landing never hinges on a lucky draw; locally they vary, to find bugs.
"""

import os
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import autograd

_common = dict(deadline=None, derandomize=bool(os.environ.get("CI")), print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=40, **_common)
settings.register_profile("quick", max_examples=5, **_common)
settings.register_profile("thorough", max_examples=200, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Every test starts in float64 with grad mode on, whatever the previous test did."""
    yield
    autograd.set_default_dtype(np.float64)
    autograd.set_grad_enabled(True)


def pytest_collection_modifyitems(config, items):
    """Tests marked slow run only when asked for (pytest -m slow)."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def browser():
    """A real headless Chromium driven by selenium (Debian's chromium and chromedriver); the
    browser console and network logs are kept (get_log("browser"), get_log("performance"))."""
    webdriver = pytest.importorskip("selenium.webdriver")
    driver_path = shutil.which("chromedriver")
    if driver_path is None or not (shutil.which("chromium") or shutil.which("chromium-browser")
                                   or shutil.which("google-chrome")):
        pytest.skip("no headless Chromium and chromedriver here")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    from selenium.webdriver.chrome.service import Service
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        yield driver
    finally:
        driver.quit()
