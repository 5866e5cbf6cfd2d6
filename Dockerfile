# The Fairway image: the web app under gunicorn, the RQ worker and the migrations all run from it.
# docker-compose.yml builds it once (as fairway:local) and shares it between those services.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/fairway

# Dependencies at the versions requirements.lock pins, in a layer of their own that code
# changes leave alone; then the app itself, held to the same pins.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install -c requirements.lock .

COPY wsgi.py gunicorn.conf.py ./
COPY docker/worker_healthcheck.py ./
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static

# The app runs as fairway and writes only its instance folder and the uploaded avatars, both
# its own. A named volume mounted on /data/avatars starts as a copy of this folder, owner
# included, so uploads work from the first one.
RUN useradd --create-home fairway \
    && mkdir -p instance /data/avatars \
    && chown fairway:fairway instance /data/avatars
USER fairway
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
