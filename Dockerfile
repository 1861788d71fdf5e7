# Picketline: one image for web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Only what runs: requirements.lock (hash-checked). Test tools live in requirements-dev.lock.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
RUN SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_hex(32))') \
    ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
 && useradd --system --home /app picketline && chown -R picketline /app/var
USER picketline

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
