# The Fairway web app and worker image (docker-compose.yml runs both from it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/fairway

COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install .

COPY wsgi.py gunicorn.conf.py ./
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static

RUN useradd --create-home fairway && mkdir -p instance && chown fairway instance
USER fairway
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
