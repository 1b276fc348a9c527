"""The documented production settings: `check --deploy` clean, a bounded pool, Redis waits longer than channels'."""

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "copilot.plant.local",
    "SECURE_COOKIES": "1",
    "DATABASE_URL": "postgres://plexcopilot_app:secret@127.0.0.1:5432/plexcopilot",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DB_POOL_MAX_SIZE": "12",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_TEST_NAME", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env={**base, **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_database_uses_a_bounded_pool_and_redis_outwaits_channels():
    code = (
        "import json; from django.conf import settings as s; d = s.DATABASES['default']; "
        "h = s.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0]; "
        "print(json.dumps({'max_age': d['CONN_MAX_AGE'], 'pool': {k: v for k, v in d['OPTIONS']['pool'].items() "
        "if k != 'check'}, 'socket_timeout': h['socket_timeout']}))"
    )
    result = manage("shell", "-c", code, env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["max_age"] == 0 and found["pool"]["max_size"] == 12 and found["pool"]["timeout"] > 0
    assert found["socket_timeout"] > 5  # channels_redis' BRPOP waits 5 s
